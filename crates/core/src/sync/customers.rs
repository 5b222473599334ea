//! Sync of customer records. A customer is what a lead becomes when it
//! converts: its record has the lead's id (so offline conversions of one
//! lead on two computers make one record), and it follows its lead (the
//! server converts, retires and revives it as a pushed change moves the
//! lead, as the REST API does). Its own fields merge field by field; who
//! may see the lead may edit its customer.

use super::{Change, Outcome, PushOp, arbitrate_fields, take};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{CustomerId, LeadId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::{LeadRow, LeadStatus, access};
use crate::schema::customers;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A customer as sync carries it: the whole row, tombstone included.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = customers, treat_none_as_null = true)]
pub struct CustomerRecord {
    pub id: CustomerId,
    pub lead_id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub owner_id: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

const GROUPS: &[&[&str]] = &[
    &["name"],
    &["email"],
    &["phone"],
    &["company"],
    &["owner_id"],
    &["deleted_at"],
];

/// The columns of the winning groups, validated as the REST API would.
fn changes(
    fields: &Map<String, Value>,
    won: &[&str],
) -> CoreResult<crate::customers::CustomerChanges> {
    let wins = |f: &str| won.contains(&f) && fields.contains_key(f);
    let mut changes = crate::customers::CustomerChanges::default();
    if wins("name") {
        let name: String = take(fields, "name")?.unwrap_or_default();
        changes.name = Some(
            crate::fields::required_text(&name, crate::leads::NAME_MAX)
                .map_err(|m| CoreError::invalid("name", m))?,
        );
    }
    if wins("email") {
        let email: Option<String> = take(fields, "email")?.flatten();
        changes.email = Some(
            crate::fields::optional_email(email.as_deref())
                .map_err(|m| CoreError::invalid("email", m))?,
        );
    }
    if wins("phone") {
        let phone: Option<String> = take(fields, "phone")?.flatten();
        changes.phone = Some(
            crate::fields::optional_phone(phone.as_deref())
                .map_err(|m| CoreError::invalid("phone", m))?
                .map(|p| p.display),
        );
    }
    if wins("company") {
        let company: Option<String> = take(fields, "company")?.flatten();
        changes.company = Some(
            crate::fields::optional_text(company.as_deref(), crate::leads::COMPANY_MAX)
                .map_err(|m| CoreError::invalid("company", m))?,
        );
    }
    if wins("owner_id") {
        changes.owner_id = take(fields, "owner_id")?;
    }
    if wins("deleted_at") {
        changes.deleted_at = take(fields, "deleted_at")?;
    }
    Ok(changes)
}

fn load(conn: &mut SqliteConnection, id: CustomerId) -> CoreResult<Option<CustomerRecord>> {
    Ok(customers::table
        .filter(customers::id.eq(id))
        .select(CustomerRecord::as_select())
        .first(conn)
        .optional()?)
}

pub(super) fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let id = CustomerId::parse(&op.entity_id).map_err(|m| CoreError::invalid("entity_id", m))?;
    let current = match load(conn, id)? {
        Some(current) => current,
        None if op.op == Op::Insert => return insert(conn, actor, client, op, id, fields),
        None => return Err(CoreError::not_found("customer")),
    };
    access::visible_lead_even_deleted(conn, actor, current.lead_id)
        .map_err(|_| CoreError::not_found("customer"))?;
    // The owner follows the lead's: the server moves it with the lead.
    let mut fields = fields.clone();
    fields.remove("owner_id");
    let (won, lost) = arbitrate_fields(conn, op, client, GROUPS, &fields)?;
    if won.is_empty() && !lost.is_empty() {
        return Ok(Outcome::Superseded { fields: lost });
    }
    let mut changes = changes(&fields, &won)?;
    changes.updated_at = Some(current.updated_at.max(op.hlc.wall()));
    diesel::update(customers::table.filter(customers::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &changes, lost)
}

#[derive(Deserialize)]
struct NewCustomer {
    lead_id: LeadId,
}

/// A customer record the server has not got: only for a lead converted
/// here too (a conversion that lost to a later change of status makes no
/// customer), made as the server makes it, from the lead.
fn insert(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    id: CustomerId,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let new: NewCustomer = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| CoreError::invalid("fields", e.to_string()))?;
    let lead: LeadRow = access::visible_lead(conn, actor, new.lead_id)?;
    if lead.status != LeadStatus::Converted {
        return Err(CoreError::Conflict(format!(
            "{} is not converted on the server",
            lead.name
        )));
    }
    let existing: Option<CustomerId> = customers::table
        .filter(customers::lead_id.eq(lead.id))
        .select(customers::id)
        .first(conn)
        .optional()?;
    if existing.is_some() {
        // Made before records took their lead's id: the server's stands.
        return Ok(Outcome::AlreadyApplied);
    }
    let at = op.hlc.wall();
    let row = CustomerRecord {
        id,
        lead_id: lead.id,
        name: lead.name,
        email: lead.email,
        phone: lead.phone,
        company: lead.company,
        owner_id: lead.owner_id,
        created_at: at,
        updated_at: at,
        deleted_at: None,
    };
    diesel::insert_into(customers::table)
        .values(&row)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &row, Vec::new())
}

/// The customer as `actor` is to hold it: with its lead when they hold that;
/// `gone` only to the desktop that named it itself.
pub(super) fn as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &str,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    let found = match CustomerId::parse(id) {
        Ok(id) => load(conn, id)?,
        Err(_) => None,
    };
    match found {
        Some(c) if super::timeline::in_scope(conn, actor, c.lead_id)? => {
            Ok(Some(Change::Customer(c)))
        }
        _ => Ok(tell_anyway.then(|| Change::Gone {
            entity: Entity::Customer,
            id: id.to_owned(),
        })),
    }
}

pub(super) fn of_lead(conn: &mut SqliteConnection, lead: LeadId) -> CoreResult<Vec<Change>> {
    Ok(customers::table
        .filter(customers::lead_id.eq(lead))
        .select(CustomerRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(Change::Customer)
        .collect())
}

/// A desktop writes a customer as the server has it (a record of its own
/// for the same lead gives way: a lead has one customer).
pub(super) fn put(conn: &mut SqliteConnection, customer: &CustomerRecord) -> CoreResult<bool> {
    if !super::timeline::lead_here(conn, customer.lead_id)? {
        return Ok(false);
    }
    diesel::delete(
        customers::table
            .filter(customers::lead_id.eq(customer.lead_id))
            .filter(customers::id.ne(customer.id)),
    )
    .execute(conn)?;
    diesel::insert_into(customers::table)
        .values(customer)
        .on_conflict(customers::id)
        .do_update()
        .set(customer)
        .execute(conn)?;
    Ok(true)
}

pub(super) fn remove(conn: &mut SqliteConnection, id: &str) -> CoreResult<usize> {
    Ok(diesel::delete(customers::table.filter(customers::id.eq(id))).execute(conn)?)
}

/// The server's side of a pushed change to a lead, as the REST API does
/// it: converted (or restored converted), its retired customer is revived;
/// moved out of converted, or deleted, it is retired; and it follows the
/// lead's owner. A new record is not made here: the desktop's own follows
/// in the same batch, and one made here would be clocked after the batch's
/// later edits of it, which would then lose.
pub(super) fn follow_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    before: &LeadRow,
    after: &LeadRow,
) -> CoreResult<()> {
    let now = after.updated_at;
    let live = |l: &LeadRow| l.status == LeadStatus::Converted && l.deleted_at.is_none();
    match (live(before), live(after)) {
        (false, true) => {
            let retired = customers::table
                .filter(customers::lead_id.eq(after.id))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if retired {
                crate::customers::create_for_lead(conn, actor, after, now)?;
            }
        }
        (true, false) => crate::customers::retire_for_lead(conn, actor, after.id, now)?,
        _ => {}
    }
    if before.owner_id != after.owner_id {
        crate::customers::follow_lead_owner(conn, actor, after.id, after.owner_id, now)?;
    }
    Ok(())
}

/// The customers of `leads`, as journal inserts clocked when they last
/// changed (a desktop's first sign-in).
pub(crate) fn restate(
    conn: &mut SqliteConnection,
    user: UserId,
    leads: &[LeadId],
) -> CoreResult<Vec<journal::Entry>> {
    let mut entries = Vec::new();
    for chunk in leads.chunks(500) {
        let rows: Vec<CustomerRecord> = customers::table
            .filter(customers::lead_id.eq_any(chunk))
            .filter(customers::deleted_at.is_null())
            .select(CustomerRecord::as_select())
            .load(conn)?;
        for row in rows {
            entries.push(journal::Entry::restated(
                Entity::Customer,
                row.id.to_string(),
                &row,
                user,
                row.updated_at,
            )?);
        }
    }
    Ok(entries)
}
