//! Leadlight's whole domain: the embedded SQLite store and every service the
//! desktop app and the team server expose. Adapters call these functions and
//! nothing else; authorization is decided here.

mod calendar;
mod passwords;
mod text_enum;
mod tokens;

pub mod accounts;
pub mod activity;
pub mod actor;
pub mod analytics;
pub mod clock;
pub mod customers;
pub mod data_dir;
pub mod demo;
pub mod enquiries;
pub mod error;
pub mod exports;
pub mod fields;
pub mod hlc;
pub mod ids;
pub mod imports;
pub mod journal;
pub mod leads;
pub mod notes;
pub mod notifications;
pub mod outbox;
pub mod reminders;
pub mod replica;
pub mod report;
pub mod schema;
mod settings;
pub mod stats;
pub mod store;
pub mod sync;
pub mod tasks;
pub mod time;
pub mod users;

pub use actor::{Actor, Role};
pub use error::{CoreError, CoreResult, ErrorCode, FieldError};
pub use fields::{Page, PageRequest, Window};
pub use store::{OpenError, Store, StoreOptions};
pub use time::Timestamp;
