//! Customers: what a lead becomes when it converts. The record keeps its link
//! to the lead and starts with the lead's details, which are then its own.

use crate::Store;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{ContactEdits, Page, PageRequest};
use crate::ids::{CustomerId, LeadId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::LeadRow;
use crate::schema::customers;
use crate::time::Timestamp;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = customers)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: CustomerId,
    pub lead_id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub owner_id: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A partial edit; `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub company: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CustomerQuery {
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(AsChangeset, Default, Serialize)]
#[diesel(table_name = customers)]
pub(crate) struct CustomerChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner_id: Option<Option<UserId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) phone: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) company: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deleted_at: Option<Option<Timestamp>>,
    pub(crate) updated_at: Option<Timestamp>,
}

fn scoped(actor: &Actor) -> customers::BoxedQuery<'static, Sqlite> {
    let query = customers::table
        .filter(customers::deleted_at.is_null())
        .into_boxed();
    if actor.sees_everything() {
        query
    } else {
        query.filter(customers::owner_id.eq(actor.user_id))
    }
}

fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: CustomerId,
    mut changes: CustomerChanges,
    op: Op,
    now: Timestamp,
) -> CoreResult<()> {
    changes.updated_at = Some(now);
    diesel::update(customers::table.filter(customers::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Customer,
        &id.to_string(),
        op,
        &changes,
        Some(actor.user_id),
        now,
    )
}

/// Remove a customer record: a tombstone, as every delete; the lead it came
/// from stays as it is. Who may edit it may remove it.
pub fn delete(store: &Store, actor: &Actor, id: CustomerId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        visible(conn, actor, id)?;
        let gone = CustomerChanges {
            deleted_at: Some(Some(now)),
            ..Default::default()
        };
        apply(conn, actor, id, gone, Op::Delete, now)
    })
}

/// The customer record for a lead being converted: a new one from the lead's
/// details, or the earlier one revived if the lead was converted before.
pub(crate) fn create_for_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead: &LeadRow,
    now: Timestamp,
) -> CoreResult<CustomerId> {
    let existing: Option<(CustomerId, Option<Timestamp>)> = customers::table
        .filter(customers::lead_id.eq(lead.id))
        .select((customers::id, customers::deleted_at))
        .first(conn)
        .optional()?;
    if let Some((id, deleted_at)) = existing {
        if deleted_at.is_some() {
            let changes = CustomerChanges {
                deleted_at: Some(None),
                ..Default::default()
            };
            apply(conn, actor, id, changes, Op::Restore, now)?;
        }
        return Ok(id);
    }
    // The lead's own id: every computer that converts this lead offline
    // makes the same record, and sync merges them as one.
    let id = CustomerId::parse(&lead.id.to_string()).map_err(CoreError::internal)?;
    let customer = Customer {
        id,
        lead_id: lead.id,
        name: lead.name.clone(),
        email: lead.email.clone(),
        phone: lead.phone.clone(),
        company: lead.company.clone(),
        owner_id: lead.owner_id,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(customers::table)
        .values((
            customers::id.eq(customer.id),
            customers::lead_id.eq(customer.lead_id),
            customers::name.eq(&customer.name),
            customers::email.eq(&customer.email),
            customers::phone.eq(&customer.phone),
            customers::company.eq(&customer.company),
            customers::owner_id.eq(customer.owner_id),
            customers::created_at.eq(now),
            customers::updated_at.eq(now),
        ))
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Customer,
        &customer.id.to_string(),
        Op::Insert,
        &customer,
        Some(actor.user_id),
        now,
    )?;
    Ok(customer.id)
}

/// A lead moved back out of `converted`: its customer record is retired.
pub(crate) fn retire_for_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead_id: LeadId,
    now: Timestamp,
) -> CoreResult<()> {
    if let Some(customer) = for_lead(conn, lead_id)? {
        let changes = CustomerChanges {
            deleted_at: Some(Some(now)),
            ..Default::default()
        };
        apply(conn, actor, customer.id, changes, Op::Delete, now)?;
    }
    Ok(())
}

/// A lead changed hands: its customer record (live or retired) follows, so
/// access to the customer always matches access to the lead.
pub(crate) fn follow_lead_owner(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead_id: LeadId,
    owner: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    let ids: Vec<CustomerId> = customers::table
        .filter(customers::lead_id.eq(lead_id))
        .select(customers::id)
        .load(conn)?;
    for id in ids {
        diesel::update(customers::table.filter(customers::id.eq(id)))
            .set((customers::owner_id.eq(owner), customers::updated_at.eq(now)))
            .execute(conn)?;
        journal::record(
            conn,
            Entity::Customer,
            &id.to_string(),
            Op::Update,
            &serde_json::json!({ "owner_id": owner, "updated_at": now }),
            Some(actor.user_id),
            now,
        )?;
    }
    Ok(())
}

pub(crate) fn for_lead(
    conn: &mut SqliteConnection,
    lead_id: LeadId,
) -> CoreResult<Option<Customer>> {
    Ok(customers::table
        .filter(customers::lead_id.eq(lead_id))
        .filter(customers::deleted_at.is_null())
        .select(Customer::as_select())
        .first(conn)
        .optional()?)
}

fn visible(conn: &mut SqliteConnection, actor: &Actor, id: CustomerId) -> CoreResult<Customer> {
    scoped(actor)
        .filter(customers::id.eq(id))
        .select(Customer::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("customer"))
}

pub fn get(store: &Store, actor: &Actor, id: CustomerId) -> CoreResult<Customer> {
    store.read(|conn| visible(conn, actor, id))
}

/// Customers, newest first.
pub fn list(store: &Store, actor: &Actor, query: CustomerQuery) -> CoreResult<Page<Customer>> {
    let page = PageRequest {
        page: query.page.unwrap_or(1),
        limit: query.limit.unwrap_or(50),
    };
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        let total = scoped(actor).count().get_result(conn)?;
        let items = scoped(actor)
            .order((customers::created_at.desc(), customers::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(Customer::as_select())
            .load(conn)?;
        Ok(Page::new(items, page, total))
    })
}

pub fn update(
    store: &Store,
    actor: &Actor,
    id: CustomerId,
    patch: CustomerPatch,
) -> CoreResult<Customer> {
    let mut problems = Problems::new();
    let ContactEdits {
        name,
        email,
        phone,
        company,
    } = ContactEdits::parse(
        &mut problems,
        patch.name.as_deref(),
        patch.email.as_ref().map(Option::as_deref),
        patch.phone.as_ref().map(Option::as_deref),
        patch.company.as_ref().map(Option::as_deref),
    );
    problems.finish()?;
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        let changes = CustomerChanges {
            name: name.filter(|n| *n != current.name),
            email: email.filter(|e| *e != current.email),
            phone: phone
                .map(|p| p.map(|p| p.display))
                .filter(|p| *p != current.phone),
            company: company.filter(|c| *c != current.company),
            ..Default::default()
        };
        if changes.name.is_none()
            && changes.email.is_none()
            && changes.phone.is_none()
            && changes.company.is_none()
        {
            return Ok(current);
        }
        apply(conn, actor, id, changes, Op::Update, now)?;
        visible(conn, actor, id)
    })
}
