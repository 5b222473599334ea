//! Leadlight core scenarios, each on its own real SQLite file.

// A panic is how a scenario reports failure, helpers included.
#![allow(clippy::unwrap_used)]

mod helpers;

mod accounts;
mod activities;
mod analytics;
mod atomicity;
mod customers;
mod demo;
mod durability;
mod enquiries;
mod exports;
mod imports;
mod journal;
mod leads;
mod notes;
mod notifications;
mod outbox;
mod ownership;
mod reminders;
mod replica;
mod report;
mod roles;
mod search;
mod store;
mod sync;
mod sync_simulation;
mod tasks;
