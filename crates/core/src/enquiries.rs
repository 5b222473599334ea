//! The public enquiry form and the pool of unclaimed leads. An enquiry needs
//! no account; it lands as a New lead with no owner. Agents claim from the
//! pool; a claim is one conditional UPDATE, so of two agents claiming the same
//! lead at the same moment exactly one wins.

use crate::Store;
use crate::activity::{self, ActivityKind};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{self, Page, PageRequest};
use crate::ids::LeadId;
use crate::journal::{self, Entity, Op};
use crate::leads::{
    self, Lead, LeadChanges, LeadOrigin, LeadQuery, LeadRow, LeadSource, LeadStatus, NewLeadRow,
};
use crate::schema::{leads as leads_table, users};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

const MESSAGE_MAX: usize = 5_000;
const INTEREST_MAX: usize = 100;

/// What a visitor sends through the website's form.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enquiry {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub message: Option<String>,
    /// website (default), referral, ad or other.
    pub source: Option<String>,
    /// What they are interested in, e.g. "Enterprise plan".
    pub interest: Option<String>,
}

/// The receipt a visitor gets: no lead details leave the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnquiryReceipt {
    pub lead_id: LeadId,
}

/// Take an enquiry from the public form. Strict: a name and a way to reply
/// (email or phone) are required, and every field has a length limit.
pub fn submit(store: &Store, enquiry: Enquiry) -> CoreResult<EnquiryReceipt> {
    let mut problems = Problems::new();
    let name = problems.check("name", fields::required_text(&enquiry.name, 200));
    let email = problems.check("email", fields::optional_email(enquiry.email.as_deref()));
    let phone = problems.check("phone", fields::optional_phone(enquiry.phone.as_deref()));
    if matches!((&email, &phone), (Some(None), Some(None))) {
        problems.add(
            "email",
            "give an email address or a phone number so we can reply",
        );
    }
    let company = problems.check(
        "company",
        fields::optional_text(enquiry.company.as_deref(), 200),
    );
    let message = match enquiry
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        Some(m) => problems
            .check("message", fields::required_body(m, MESSAGE_MAX))
            .map(Some),
        None => Some(None),
    };
    let source = match enquiry
        .source
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => problems.check("source", s.parse::<LeadSource>()),
        None => Some(LeadSource::Website),
    };
    let interest = problems.check(
        "interest",
        fields::optional_text(enquiry.interest.as_deref(), INTEREST_MAX),
    );
    problems.finish()?;
    let (
        Some(name),
        Some(email),
        Some(phone),
        Some(company),
        Some(message),
        Some(source),
        Some(interest),
    ) = (name, email, phone, company, message, source, interest)
    else {
        return Err(CoreError::internal("validation passed without values"));
    };
    let now = store.now();
    store.write(|conn| {
        let row = NewLeadRow {
            id: LeadId::new(),
            name,
            email,
            phone: phone.as_ref().map(|p| p.display.clone()),
            phone_digits: phone.map(|p| p.digits),
            company,
            source,
            status: LeadStatus::New,
            owner_id: None,
            claimed_at: None,
            converted_at: None,
            lost_at: None,
            import_batch_id: None,
            created_at: now,
            updated_at: now,
            created_by: None,
            created_via: Some(LeadOrigin::WebForm),
        };
        leads::insert(conn, &row, &[], None, now)?;
        // What they asked about goes in the note with their message, where
        // whoever claims the lead reads it.
        let note = match (&interest, &message) {
            (Some(interest), Some(message)) => {
                Some(format!("Interested in {interest}.\n\n{message}"))
            }
            (Some(interest), None) => Some(format!("Interested in {interest}.")),
            (None, message) => message.clone(),
        };
        if let Some(body) = &note {
            crate::notes::insert_row(conn, row.id, None, body, now)?;
        }
        let summary = match (&interest, &message) {
            (Some(interest), _) => format!("Interested in {interest}"),
            (None, Some(message)) => message.chars().take(140).collect(),
            (None, None) => "From the web form".to_owned(),
        };
        crate::notifications::notify_managers(
            conn,
            crate::notifications::NotificationKind::EnquiryReceived,
            &format!("New enquiry: {}", row.name),
            &summary,
            Some(row.id),
            now,
        )?;
        tracing::info!(lead = %row.id, "enquiry received");
        Ok(EnquiryReceipt { lead_id: row.id })
    })
}

/// Leads nobody owns yet, newest first. Every role may look at the pool.
pub fn unclaimed(store: &Store, _actor: &Actor, page: PageRequest) -> CoreResult<Page<Lead>> {
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        let pool = || {
            leads_table::table
                .filter(leads_table::deleted_at.is_null())
                .filter(leads_table::owner_id.is_null())
        };
        let total = pool().count().get_result(conn)?;
        let rows = pool()
            .order((leads_table::created_at.desc(), leads_table::seq.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(LeadRow::as_select())
            .load(conn)?;
        Ok(Page::new(leads::hydrate(conn, rows)?, page, total))
    })
}

/// Take an unclaimed lead. Exactly one claim of a lead succeeds; the others
/// get a `conflict` naming who has it.
pub fn claim(store: &Store, actor: &Actor, id: LeadId) -> CoreResult<Lead> {
    let now = store.now();
    let result = try_claim(store, actor, id, now);
    if let Err(CoreError::Conflict(message)) = &result {
        // The claim's transaction rolled back; the lost race is news of its own.
        let message = message.clone();
        store.write(|conn| {
            crate::notifications::notify(
                conn,
                actor.user_id,
                crate::notifications::NotificationKind::ClaimLost,
                "Someone else got there first",
                &message,
                None,
                now,
            )
        })?;
    }
    result
}

fn try_claim(store: &Store, actor: &Actor, id: LeadId, now: crate::Timestamp) -> CoreResult<Lead> {
    store.write(|conn| {
        let claimed = diesel::update(
            leads_table::table
                .filter(leads_table::id.eq(id))
                .filter(leads_table::owner_id.is_null())
                .filter(leads_table::deleted_at.is_null()),
        )
        .set((
            leads_table::owner_id.eq(actor.user_id),
            leads_table::claimed_at.eq(now),
            leads_table::updated_at.eq(now),
        ))
        .execute(conn)?;
        if claimed == 0 {
            // Only a lead that went through the pool is "already claimed";
            // anyone else's lead stays not_found, as everywhere for Agents.
            let holder: Option<(
                Option<String>,
                Option<crate::Timestamp>,
                Option<crate::Timestamp>,
            )> = leads_table::table
                .left_join(users::table.on(users::id.nullable().eq(leads_table::owner_id)))
                .filter(leads_table::id.eq(id))
                .select((
                    users::name.nullable(),
                    leads_table::claimed_at,
                    leads_table::deleted_at,
                ))
                .first(conn)
                .optional()?;
            return Err(match holder {
                Some((Some(name), Some(_), None)) => {
                    CoreError::Conflict(format!("this lead was already claimed by {name}"))
                }
                _ => CoreError::not_found("lead"),
            });
        }
        let changes = LeadChanges {
            owner_id: Some(Some(actor.user_id)),
            claimed_at: Some(Some(now)),
            updated_at: Some(now),
            ..Default::default()
        };
        journal::record(
            conn,
            Entity::Lead,
            &id.to_string(),
            Op::Update,
            &changes,
            Some(actor.user_id),
            now,
        )?;
        // A converted lead back in the pool keeps its customer record: it
        // goes to whoever claims the lead, as with any change of owner.
        crate::customers::follow_lead_owner(conn, actor, id, Some(actor.user_id), now)?;
        activity::record(
            conn,
            id,
            Some(actor.user_id),
            ActivityKind::Claimed,
            json!({}),
            now,
            now,
        )?;
        leads::load(conn, id)
    })
}

/// The actor's own leads, with the same search, filters, sorting and paging
/// as the main list.
pub fn mine(store: &Store, actor: &Actor, query: LeadQuery) -> CoreResult<Page<Lead>> {
    leads::list(
        store,
        actor,
        LeadQuery {
            owner: Some("me".into()),
            ..query
        },
    )
}
