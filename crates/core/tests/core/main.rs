//! Leadlight core scenarios, each on its own real SQLite file.

mod helpers;

mod activities;
mod atomicity;
mod customers;
mod demo;
mod leads;
mod notes;
mod reminders;
mod search;
mod store;
mod tasks;
