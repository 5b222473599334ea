//! Who is acting. Every service takes an [`Actor`] and decides in the core what
//! that actor may see and change, so the desktop and the server cannot drift.

use crate::ids::UserId;
use crate::text_enum::text_enum;
use serde::Serialize;

text_enum!(
    /// What a user may do: Admins everything, Managers all sales data,
    /// Agents only their own leads, reminders and tasks.
    Role, "role" {
        Admin => "admin",
        Manager => "manager",
        Agent => "agent",
    }
);

/// A signed-in user as the services see them. Not `Deserialize`: an actor
/// comes from `accounts::authenticate` (or trusted in-process code), never
/// from a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
}

impl Actor {
    pub fn new(user_id: UserId, role: Role) -> Self {
        Self { user_id, role }
    }

    /// Admins and Managers work with everyone's leads, reminders and tasks.
    pub fn sees_everything(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Manager)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}
