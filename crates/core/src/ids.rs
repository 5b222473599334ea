//! Typed UUIDv7 identifiers, stored as text. A `LeadId` cannot be passed where a
//! `UserId` is wanted, and no integer key ever leaves the store.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            Serialize, Deserialize, AsExpression, FromSqlRow,
        )]
        #[cfg_attr(
            feature = "openapi",
            derive(utoipa::ToSchema),
            schema(
                value_type = String,
                format = "uuid",
                description = concat!("Identifies one ", $what, " (a UUIDv7 string).")
            )
        )]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parse an id from text, naming what was expected when it is not one.
            pub fn parse(text: &str) -> Result<Self, String> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| format!("'{text}' is not a valid {} id", $what))
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ToSql<Text, Sqlite> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.0.to_string());
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $name {
            fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
                Ok(Self(Uuid::parse_str(&text)?))
            }
        }
    };
}

id_type!(UserId, "user");
id_type!(LeadId, "lead");
id_type!(NoteId, "note");
id_type!(ActivityId, "activity");
id_type!(ReminderId, "reminder");
id_type!(TaskId, "task");
id_type!(CustomerId, "customer");
id_type!(SessionId, "session");
id_type!(ImportBatchId, "import batch");
id_type!(NotificationId, "notification");
id_type!(SyncConflictId, "conflict");

impl ActivityId {
    /// The id of a lead's creation entry on its timeline: the lead's own (the
    /// entry is read from the lead, not stored).
    pub(crate) fn of_creation(lead: LeadId) -> Self {
        Self(lead.0)
    }
}
