//! Finding leads: full-text search (FTS5, kept in step by triggers), filters,
//! sorting and pagination with a total, in one read snapshot.

use super::readahead::{self, Readahead};
use super::{Lead, LeadRow, LeadSource, LeadStatus, hydrate, matches};
use crate::Store;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{Page, PageRequest};
use crate::ids::UserId;
use crate::schema::{lead_tags, lead_totals, leads};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use diesel::sqlite::Sqlite;
use serde::Deserialize;
use std::path::Path;

text_enum!(
    /// The columns a lead list sorts by.
    LeadSort, "sort column" {
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
        Name => "name",
        Status => "status",
    }
);

text_enum!(
    SortOrder, "sort order" {
        Asc => "asc",
        Desc => "desc",
    }
);

/// Whose leads to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerFilter {
    Me,
    Unassigned,
    User(UserId),
}

impl std::str::FromStr for OwnerFilter {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "me" | "mine" => Ok(Self::Me),
            "none" | "unassigned" | "unclaimed" => Ok(Self::Unassigned),
            _ => UserId::parse(text)
                .map(Self::User)
                .map_err(|_| format!("'{text}' is not 'me', 'unassigned' or a user id")),
        }
    }
}

/// A lead list request, as the UI or a query string gives it. Every field is
/// optional; values are text so a bad one is reported against its field.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LeadQuery {
    /// Words to find in name, email, company or phone (digits match whatever
    /// the formatting); at most 200 characters.
    pub q: Option<String>,
    /// Any of these statuses.
    #[serde(default)]
    pub status: Vec<String>,
    pub source: Option<String>,
    pub tag: Option<String>,
    /// "me", "unassigned" or a user id.
    pub owner: Option<String>,
    /// Created on or after: a date (the start of that day in the user's time
    /// zone) or an RFC 3339 instant.
    pub created_from: Option<String>,
    /// Created on or before: a date (the whole day counts) or an RFC 3339 instant.
    pub created_to: Option<String>,
    /// created_at (default), updated_at, name or status.
    pub sort: Option<String>,
    /// asc or desc (default desc for times, asc otherwise).
    pub order: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A query after validation: every value typed.
#[derive(Debug)]
struct Filters {
    fts: Option<String>,
    /// The search's matches, when read before the statements are built.
    read: Read,
    /// So few leads match a status or source (everyone's, no dates) that
    /// reading them through the index over both and sorting beats walking
    /// the sort's index past everyone else's.
    few: bool,
    /// A search's many matches are counted by walking their owner's leads
    /// (an Agent's own, or an owner filter), testing each, rather than by
    /// looking each match up: chosen when the owner has at most
    /// `OWNER_WALK_PER_MATCH` times as many leads as the search matches.
    owner_walk: bool,
    nothing_matches: bool,
    statuses: Vec<LeadStatus>,
    source: Option<LeadSource>,
    tag: Option<String>,
    owner: Option<Option<UserId>>,
    scope: Option<UserId>,
    created_from: Option<Timestamp>,
    created_before: Option<Timestamp>,
    sort: LeadSort,
    order: SortOrder,
    page: PageRequest,
}

/// What is known of a search's matches when its statements are built.
#[derive(Debug)]
enum Read {
    /// Nothing: the statement asks the index (exports, plans).
    Not,
    /// No more than `WALK_ABOVE`, their `seq` as a JSON array: the
    /// statement looks each lead up.
    Few(String),
    /// More: the page walks its sort's index and tests each lead against
    /// them in memory (`matches::testing`), rather than fetch every match
    /// and sort them: far faster for a common surname, slower for a few.
    Many,
}

/// See `Filters::owner_walk`.
const OWNER_WALK_PER_MATCH: i64 = 10;

/// The longest search accepted.
const SEARCH_MAX_CHARS: usize = 200;

/// Above this many matches a search walks the sort's index (see `Read`).
pub(super) const WALK_ABOVE: usize = 1_000;

impl Filters {
    /// Only status, source and owner narrow the list: the dashboard's
    /// per-owner, per-status, per-source totals (kept by triggers) add up to
    /// its total without reading a lead.
    fn counted_by_totals(&self) -> bool {
        self.fts.is_none()
            && self.tag.is_none()
            && self.created_from.is_none()
            && self.created_before.is_none()
    }

    /// A date range bounds the list.
    fn dated(&self) -> bool {
        self.created_from.is_some() || self.created_before.is_some()
    }

    /// Nothing narrows the search's matches but the search itself.
    fn only_searches(&self) -> bool {
        self.statuses.is_empty()
            && self.source.is_none()
            && self.tag.is_none()
            && self.owner.is_none()
            && self.scope.is_none()
            && self.created_from.is_none()
            && self.created_before.is_none()
    }
}

/// How many live leads the filters match: from the summary totals when only
/// status, source and owner filter (see `Filters::counted_by_totals`), else
/// by counting rows.
fn total(conn: &mut SqliteConnection, f: &Filters) -> CoreResult<i64> {
    if !f.counted_by_totals() {
        return Ok(filtered(f, Shape::Count).count().get_result(conn)?);
    }
    Ok(summary_counts(f).load::<i64>(conn)?.into_iter().sum())
}

/// The summary rows whose counts add up to the total of a list filtered by
/// status, source and owner only.
fn summary_counts(f: &Filters) -> lead_totals::BoxedQuery<'_, Sqlite, diesel::sql_types::BigInt> {
    let owner_key = |o: Option<UserId>| o.map(|u| u.to_string()).unwrap_or_default();
    let mut query = lead_totals::table.select(lead_totals::n).into_boxed();
    // An Agent's own and an owner filter both apply (another owner: none).
    if let Some(me) = f.scope {
        query = query.filter(lead_totals::owner_key.eq(owner_key(Some(me))));
    }
    if let Some(owner) = f.owner {
        query = query.filter(lead_totals::owner_key.eq(owner_key(owner)));
    }
    if !f.statuses.is_empty() {
        query = query.filter(lead_totals::status.eq_any(f.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(source) = f.source {
        query = query.filter(lead_totals::source.eq(source.as_str()));
    }
    query
}

/// See `Filters::few`: only for everyone's leads filtered by status or
/// source alone, whose total is then theirs in the whole index.
fn few(f: &Filters, total: i64) -> bool {
    total <= FEW_BY_STATUS_OR_SOURCE
        && f.counted_by_totals()
        && f.scope.is_none()
        && f.owner.is_none()
}

/// See `few`: a sort of this many rows costs about what walking a page of a
/// common status does.
const FEW_BY_STATUS_OR_SOURCE: i64 = 2_000;

fn parse(conn: &mut SqliteConnection, actor: &Actor, query: &LeadQuery) -> CoreResult<Filters> {
    let mut problems = Problems::new();
    let statuses: Vec<LeadStatus> = query
        .status
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| problems.check("status", s.parse()))
        .collect();
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let source = blank(&query.source).and_then(|s| problems.check("source", s.parse()));
    let tag = blank(&query.tag).and_then(|t| problems.check("tag", crate::fields::tag(&t)));
    let owner = blank(&query.owner)
        .and_then(|o| problems.check("owner", o.parse::<OwnerFilter>()))
        .map(|o| match o {
            OwnerFilter::Me => Some(actor.user_id),
            OwnerFilter::Unassigned => None,
            OwnerFilter::User(id) => Some(id),
        });
    let tz = crate::users::time_zone_of(conn, actor.user_id)?;
    let created_from = blank(&query.created_from)
        .and_then(|t| problems.check("created_from", parse_bound(&t, tz, Bound::From)));
    let created_before = blank(&query.created_to)
        .and_then(|t| problems.check("created_to", parse_bound(&t, tz, Bound::To)));
    if let (Some(from), Some(before)) = (created_from, created_before)
        && before <= from
    {
        problems.add("created_to", "must not be before created_from");
    }
    let sort = blank(&query.sort)
        .and_then(|s| problems.check("sort", s.parse()))
        .unwrap_or(LeadSort::CreatedAt);
    let order = blank(&query.order)
        .and_then(|o| problems.check("order", o.parse()))
        .unwrap_or(match sort {
            LeadSort::CreatedAt | LeadSort::UpdatedAt => SortOrder::Desc,
            LeadSort::Name | LeadSort::Status => SortOrder::Asc,
        });
    let page = PageRequest {
        page: query.page.unwrap_or(1),
        limit: query.limit.unwrap_or(50),
    };
    page.check(&mut problems);
    let text = blank(&query.q);
    // What a search box holds; a search is remembered by its text.
    if let Some(t) = &text {
        problems.check("q", crate::fields::at_most(t, SEARCH_MAX_CHARS));
    }
    problems.finish()?;
    let fts = text.as_deref().and_then(match_expression);
    Ok(Filters {
        nothing_matches: text.is_some() && fts.is_none(),
        fts,
        read: Read::Not,
        few: false,
        owner_walk: false,
        statuses,
        source,
        tag,
        owner,
        scope: (!actor.sees_everything()).then_some(actor.user_id),
        created_from,
        created_before,
        sort,
        order,
        page,
    })
}

enum Bound {
    From,
    To,
}

/// A date means a whole day in the user's time zone; an instant is itself.
/// Returns an inclusive lower bound or an exclusive upper bound.
fn parse_bound(text: &str, tz: chrono_tz::Tz, bound: Bound) -> Result<Timestamp, String> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = match bound {
            Bound::From => date,
            Bound::To => date.succ_opt().ok_or("date out of range")?,
        };
        return Ok(crate::calendar::start_of_day(tz, day));
    }
    let instant = Timestamp::parse(text)
        .map_err(|_| format!("'{text}' is not a date like 2026-11-24 or a date and time"))?;
    Ok(match bound {
        Bound::From => instant,
        Bound::To => instant.plus(chrono::Duration::milliseconds(1)),
    })
}

/// Turn what a user typed into an FTS5 query, or `None` if nothing in it can
/// match. Every word must match (AND); the last word of each is a prefix.
/// Words are rebuilt from letters and digits only, so no FTS5 syntax can be
/// injected. A word made of phone characters with 3+ digits also matches any
/// run of digits inside a phone number (`phone_terms`).
pub fn match_expression(text: &str) -> Option<String> {
    // A query that is all phone characters ("+1 555 010 2030") is one number,
    // however it is spaced.
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 3 && text.chars().all(is_phone_char) {
        let tokens: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        return Some(format!(
            "({{name email company}} : \"{}\"* OR phone : \"{}\")",
            tokens.join(" "),
            super::phone_terms::phrase(&digits)
        ));
    }
    let mut terms = Vec::new();
    for word in text.split_whitespace() {
        let mut tokens: Vec<&str> = word
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        // "levi.c": a one-letter prefix has no prefix index (2 and 3 only), so
        // FTS5 would merge the entries of every term starting with that letter
        // (118 ms at a million leads). It narrows little: the phrase before it
        // stands alone until a second letter is typed.
        if tokens.len() > 1 && tokens.last().is_some_and(|t| t.chars().count() == 1) {
            tokens.pop();
        }
        if tokens.is_empty() {
            continue;
        }
        let text_term = format!("{{name email company}} : \"{}\"*", tokens.join(" "));
        let digits: String = word.chars().filter(char::is_ascii_digit).collect();
        if word.chars().all(is_phone_char) && digits.len() >= 3 {
            let phone = super::phone_terms::phrase(&digits);
            terms.push(format!("({text_term} OR phone : \"{phone}\")"));
        } else {
            terms.push(text_term);
        }
    }
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || "+-().#/ ".contains(c)
}

type Query<'a> = leads::BoxedQuery<'a, Sqlite>;

/// What a filtered query is for: its plan differs.
#[derive(Clone, Copy)]
enum Shape {
    Page,
    Count,
}

/// The WHERE clause shared by the page and its total.
fn filtered(f: &Filters, shape: Shape) -> Query<'_> {
    // A search matching many with a status or source is counted over their
    // ranges, and with an owner (an Agent's own) over the owner's index,
    // each lead tested against the matches; otherwise a count is driven
    // from a search's matches (looking each one up: an Agent's count of a
    // common surname took 31 ms at 1 M leads that way).
    let by_status_or_source = !f.statuses.is_empty() || f.source.is_some();
    let by_owner = f.owner_walk;
    let mut query: Query<'_> = leads::table
        .filter(leads::deleted_at.is_null())
        .into_boxed();
    if let Some(owner) = f.scope {
        query = query.filter(leads::owner_id.eq(owner));
    }
    if let Some(expression) = &f.fts {
        match &f.read {
            // A function, unlike the index, cannot drive the query: each
            // lead the walk reaches is tested.
            Read::Many if matches!(shape, Shape::Page) || by_status_or_source || by_owner => {
                query = query.filter(tested_against_matches());
            }
            // Looked up one by one.
            Read::Few(listed) => {
                query = query.filter(seq_listed(listed));
            }
            _ => {
                query = query.filter(
                    sql::<Bool>("leads.seq IN (SELECT rowid FROM leads_fts WHERE leads_fts MATCH ")
                        .bind::<Text, _>(expression.clone())
                        .sql(")"),
                );
            }
        }
    }
    // Status and source go through the one index over both (source, status,
    // created_at, seq) only where it reads a small range: for a count within
    // dates (the other column listed in full when not given: a few ranges),
    // and for a page given both and dates. Otherwise they are tested on each
    // row (`|| ''` hides the column from the planner) and the page walks its
    // sort's index, stopping after a page: a sort of every lead of a status
    // took 100+ ms at 1 M. Totals without dates come from the summary.
    let ranged = match shape {
        Shape::Count => {
            by_status_or_source && (matches!(f.read, Read::Many) || (f.dated() && f.fts.is_none()))
        }
        Shape::Page => {
            f.fts.is_none()
                && ((f.dated() && !f.statuses.is_empty() && f.source.is_some())
                    || (f.few && by_status_or_source))
        }
    };
    let statuses: Vec<&str> = f.statuses.iter().map(|s| s.as_str()).collect();
    let source = f.source.map(LeadSource::as_str);
    if ranged {
        let statuses = if statuses.is_empty() {
            LeadStatus::ALL.iter().map(|s| s.as_str()).collect()
        } else {
            statuses
        };
        let sources: Vec<&str> = match source {
            Some(source) => vec![source],
            None => LeadSource::ALL.iter().map(|s| s.as_str()).collect(),
        };
        query = query
            .filter(leads::source.eq_any(sources))
            .filter(leads::status.eq_any(statuses));
    } else {
        if !statuses.is_empty() {
            query = query.filter(leads::status.concat("").eq_any(statuses));
        }
        if let Some(source) = source {
            query = query.filter(leads::source.concat("").eq(source));
        }
    }
    if let Some(tag) = &f.tag {
        query = query.filter(
            leads::id.eq_any(
                lead_tags::table
                    .filter(lead_tags::tag.eq(tag.clone()))
                    .filter(lead_tags::deleted_at.is_null())
                    .select(lead_tags::lead_id),
            ),
        );
    }
    match f.owner {
        Some(Some(owner)) => query = query.filter(leads::owner_id.eq(owner)),
        Some(None) => query = query.filter(leads::owner_id.is_null()),
        None => {}
    }
    if let Some(from) = f.created_from {
        query = query.filter(leads::created_at.ge(from));
    }
    if let Some(before) = f.created_before {
        query = query.filter(leads::created_at.lt(before));
    }
    query
}

/// A condition on leads, boxed so the plans below can share it.
type LeadTest = Box<dyn BoxableExpression<leads::table, Sqlite, SqlType = Bool>>;

/// Each lead tested against the search's matches in memory (installed by
/// `matches::testing`); `seq` read as 64 bits (the schema says 32), so the
/// test sees the rowid SQLite has.
fn tested_against_matches() -> LeadTest {
    Box::new(matches::leadlight_matched(sql::<
        diesel::sql_types::Nullable<BigInt>,
    >("leads.seq")))
}

/// The leads whose `seq` is in `listed`, a JSON array: one placeholder, so
/// the statement is the same for every search (one per match made SQLite
/// prepare a new one each time).
fn seq_listed(listed: &str) -> LeadTest {
    Box::new(
        sql::<Bool>("leads.seq IN (SELECT value FROM json_each(")
            .bind::<Text, _>(listed.to_owned())
            .sql("))"),
    )
}

/// Pipeline order, not alphabetical.
const STATUS_RANK: &str = "CASE leads.status WHEN 'new' THEN 0 WHEN 'contacted' THEN 1 \
     WHEN 'qualified' THEN 2 WHEN 'converted' THEN 3 ELSE 4 END";

fn sorted<'a>(query: Query<'a>, f: &Filters) -> Query<'a> {
    use LeadSort::*;
    use SortOrder::*;
    // `seq` last: rows equal on the sort key keep one order across pages.
    match (f.sort, f.order) {
        (CreatedAt, Asc) => query.order((leads::created_at.asc(), leads::seq.asc())),
        (CreatedAt, Desc) => query.order((leads::created_at.desc(), leads::seq.desc())),
        (UpdatedAt, Asc) => query.order((leads::updated_at.asc(), leads::seq.asc())),
        (UpdatedAt, Desc) => query.order((leads::updated_at.desc(), leads::seq.desc())),
        (Name, Asc) => query.order((leads::name.asc(), leads::seq.asc())),
        (Name, Desc) => query.order((leads::name.desc(), leads::seq.desc())),
        (Status, Asc) => query.order((
            sql::<Integer>(STATUS_RANK).asc(),
            leads::created_at.desc(),
            leads::seq.desc(),
        )),
        (Status, Desc) => query.order((
            sql::<Integer>(STATUS_RANK).desc(),
            leads::created_at.desc(),
            leads::seq.desc(),
        )),
    }
}

fn page_query(f: &Filters) -> Query<'_> {
    let page = sorted(filtered(f, Shape::Page), f)
        .limit(f.page.limit())
        .offset(f.page.offset());
    if !matches!(f.read, Read::Few(_)) {
        return page;
    }
    // A few search matches are all read and sorted: which ones make the
    // page is decided over `seq` and the sort's columns, then those rows
    // are read (SQLite sorting keys rather than whole leads: 0.76 to 0.30
    // ms for 626 matches). Not for the other plans: inside a subquery,
    // SQLite walked the update index for a rare status.
    let chosen = page.select(leads::seq);
    sorted(
        leads::table.filter(leads::seq.eq_any(chosen)).into_boxed(),
        f,
    )
}

/// Read a search's matches (remembered, if the store has them) and choose
/// how its statements use them (see `Read`).
fn read_matches(
    store: &Store,
    conn: &mut SqliteConnection,
    f: &mut Filters,
) -> CoreResult<Option<matches::Matched>> {
    let Some(expression) = &f.fts else {
        return Ok(None);
    };
    let matched = store.remembered_matches().of(conn, expression)?;
    f.read = if matched.len() <= WALK_ABOVE {
        Read::Few(serde_json::to_string(matched.seqs()).map_err(CoreError::internal)?)
    } else if f.sort != LeadSort::Status {
        Read::Many
    } else {
        // Sorted by pipeline status, there is no index to walk.
        Read::Not
    };
    if matches!(f.read, Read::Many) && (f.scope.is_some() || f.owner.is_some()) {
        // A walk tests an index entry in ~0.09 us; a lookup reads a table
        // page, ~1 us at a million leads.
        let theirs: i64 = summary_counts(f).load::<i64>(conn)?.into_iter().sum();
        f.owner_walk = theirs <= matched.len() as i64 * OWNER_WALK_PER_MATCH;
    }
    Ok(Some(matched))
}

pub(super) fn list(store: &Store, actor: &Actor, query: LeadQuery) -> CoreResult<Page<Lead>> {
    store.read(|conn| {
        let mut f = parse(conn, actor, &query)?;
        if f.nothing_matches {
            return Ok(Page::new(Vec::new(), f.page, 0));
        }
        let matched = read_matches(store, conn, &mut f)?;
        // Until the page is read, `leadlight_matched` tests against them.
        let _testing = matched
            .clone()
            .filter(|_| matches!(f.read, Read::Many))
            .map(matches::testing);
        let total: i64 = match &matched {
            // The index holds live leads only, so alone it is the total.
            Some(m) if f.only_searches() => m.len() as i64,
            _ => total(conn, &f)?,
        };
        // Newest first (or, all of them known, oldest first) with nothing
        // else filtering: the page comes from the matches' kept order.
        let by_date = matches!(
            (&f.read, f.order),
            (Read::Few(_), _) | (Read::Many, SortOrder::Desc)
        );
        if let (Some(m), true, true, LeadSort::CreatedAt) =
            (&matched, by_date, f.only_searches(), f.sort)
        {
            let rows = page_by_date(conn, &f, m)?;
            return Ok(Page::new(hydrate(conn, rows)?, f.page, total));
        }
        f.few = few(&f, total);
        let rows = page_query(&f).select(LeadRow::as_select()).load(conn)?;
        Ok(Page::new(hydrate(conn, rows)?, f.page, total))
    })
}

/// A page of a search's matches by date, nothing else filtering. Their
/// order newest first is kept with them (see `matches::Newest`): read whole
/// for a few (the sort read the creation time of each match from the leads
/// table: 600 scattered pages for a full name at a million leads), and for
/// many as far as pages have gone, the walk of the date index going on from
/// where the last one stopped. A page then reads its own leads only.
fn page_by_date(
    conn: &mut SqliteConnection,
    f: &Filters,
    matched: &matches::Matches,
) -> CoreResult<Vec<LeadRow>> {
    let skip = usize::try_from(f.page.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(f.page.limit()).unwrap_or(0);
    let mut newest = matched.newest();
    if !newest.complete && newest.order.len() < skip.saturating_add(take) {
        match &f.read {
            Read::Few(listed) => {
                newest.order = leads::table
                    .filter(leads::deleted_at.is_null())
                    .filter(seq_listed(listed))
                    .order((leads::created_at.desc(), leads::seq.desc()))
                    .select(leads::seq)
                    .load::<Option<i32>>(conn)?
                    .into_iter()
                    .flatten()
                    .map(i64::from)
                    .collect();
                newest.complete = true;
            }
            Read::Many => {
                // No further than the last match: past it the walk would
                // test every older lead to find none.
                let wanted = skip.saturating_add(take).min(matched.len()) - newest.order.len();
                if newest.order.is_empty() {
                    newest.order.reserve_exact(matched.len());
                }
                let mut walk = leads::table
                    .filter(leads::deleted_at.is_null())
                    .filter(tested_against_matches())
                    .into_boxed();
                if let Some((at, seq)) = newest.last {
                    walk = walk.filter(
                        sql::<Bool>("(leads.created_at, leads.seq) < (")
                            .bind::<BigInt, _>(at)
                            .sql(", ")
                            .bind::<BigInt, _>(seq)
                            .sql(")"),
                    );
                }
                let more: Vec<(i64, Timestamp)> = walk
                    .order((leads::created_at.desc(), leads::seq.desc()))
                    .select((sql::<BigInt>("leads.seq"), leads::created_at))
                    .limit(i64::try_from(wanted).unwrap_or(i64::MAX))
                    .load(conn)?;
                for (seq, at) in more {
                    newest.order.push(seq);
                    newest.last = Some((at.millis(), seq));
                }
                newest.complete = newest.order.len() >= matched.len();
            }
            Read::Not => return Err(CoreError::internal("a page by date without matches")),
        }
    }
    let page: Vec<i32> = match f.order {
        SortOrder::Desc => newest
            .order
            .iter()
            .skip(skip)
            .take(take)
            .copied()
            .collect::<Vec<_>>(),
        SortOrder::Asc => newest
            .order
            .iter()
            .rev()
            .skip(skip)
            .take(take)
            .copied()
            .collect(),
    }
    .into_iter()
    .filter_map(|seq| i32::try_from(seq).ok())
    .collect();
    drop(newest);
    let mut rows: Vec<(Option<i32>, LeadRow)> = leads::table
        .filter(leads::seq.eq_any(&page))
        .select((leads::seq, LeadRow::as_select()))
        .load(conn)?;
    rows.sort_by_key(|(seq, _)| page.iter().position(|p| Some(*p) == *seq));
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// From this many leads an export reads the table ahead (a fiftieth of a
/// million: a few hundred milliseconds of disk reads when not cached).
const READ_AHEAD_FROM: i64 = 20_000;

/// ... and when at least this fraction (one in 8) of all leads: a table page
/// holds ~8 leads (2 KB pages; ~17 in a file made with 4 KB ones), so an
/// eighth of them spread over the table touches ~2/3 of its pages (~90%
/// with 4 KB pages).
const READ_AHEAD_SHARE: i64 = 8;

/// A lead's live tags, comma separated, as one column.
const TAGS_SQL: &str = "(SELECT group_concat(tag, ', ') FROM (SELECT tag FROM lead_tags \
     WHERE lead_tags.lead_id = leads.id AND lead_tags.deleted_at IS NULL ORDER BY tag))";

/// Visit every lead matching `query` (its page and limit ignored) in its sort
/// order, one row at a time from a single statement: memory stays flat however
/// many leads match. `visit` gets the row, its tags and the total.
///
/// Above `READ_AHEAD_FROM` leads, threads read the table ahead of it (see
/// `readahead`): `database` is the file's path, for their connections.
pub(crate) fn for_each_match(
    conn: &mut SqliteConnection,
    database: &Path,
    actor: &Actor,
    query: &LeadQuery,
    mut visit: impl FnMut(LeadRow, Option<String>, i64) -> CoreResult<()>,
) -> CoreResult<i64> {
    let mut f = parse(conn, actor, query)?;
    if f.nothing_matches {
        return Ok(0);
    }
    let total = total(conn, &f)?;
    f.few = few(&f, total);
    // Stopped when it is dropped, at the end of the walk. The readers read
    // the whole table: worth it when the export visits most of its pages.
    let _readahead = (total >= READ_AHEAD_FROM
        && total.saturating_mul(READ_AHEAD_SHARE) >= crate::analytics::live_leads(conn, None)?)
    .then(|| {
        let from = match (f.sort, f.order) {
            (LeadSort::CreatedAt, SortOrder::Asc) => readahead::Start::Oldest,
            _ => readahead::Start::Newest,
        };
        Readahead::start(database, from)
    });
    let rows = sorted(filtered(&f, Shape::Page), &f)
        .select((
            LeadRow::as_select(),
            sql::<diesel::sql_types::Nullable<Text>>(TAGS_SQL),
        ))
        .load_iter::<(LeadRow, Option<String>), diesel::connection::DefaultLoadingMode>(conn)?;
    for row in rows {
        let (lead, tags) = row?;
        visit(lead, tags, total)?;
    }
    Ok(total)
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// SQLite's plan for the page and the total of `query`: one line per step
/// ("SEARCH leads USING INDEX ..."). For tests and the benchmark harness. A
/// search's page by date, with nothing else filtering, is read from the
/// matches' kept order (`page_by_date`); the plan shown is then that of the
/// walk that builds it.
pub fn explain(store: &Store, actor: &Actor, query: LeadQuery) -> CoreResult<Vec<String>> {
    store.read(|conn| {
        let mut f = parse(conn, actor, &query)?;
        // As `list` plans it (EXPLAIN does not run the statement, so the
        // walk's test needs no matches installed).
        read_matches(store, conn, &mut f)?;
        if f.counted_by_totals() {
            f.few = few(&f, total(conn, &f)?);
        }
        let page = page_query(&f).select(LeadRow::as_select());
        let count = if f.counted_by_totals() {
            diesel::debug_query::<Sqlite, _>(&summary_counts(&f)).to_string()
        } else {
            diesel::debug_query::<Sqlite, _>(&filtered(&f, Shape::Count).count()).to_string()
        };
        let mut lines = Vec::new();
        for statement in [diesel::debug_query::<Sqlite, _>(&page).to_string(), count] {
            // The plan does not depend on the bound values, so the statement
            // is explained with its placeholders unbound.
            let text = statement
                .split(" -- binds:")
                .next()
                .ok_or_else(|| CoreError::internal("empty statement"))?;
            let plan =
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {text}")).load::<PlanRow>(conn)?;
            lines.extend(plan.into_iter().map(|p| p.detail));
        }
        Ok(lines)
    })
}

#[cfg(test)]
mod tests {
    use super::match_expression;
    use crate::leads::phone_terms::phrase;

    #[test]
    fn words_become_prefix_phrases_and_digits_search_phones() {
        assert_eq!(
            match_expression("Ann").as_deref(),
            Some("{name email company} : \"Ann\"*")
        );
        assert_eq!(
            match_expression("+1 (555) 010-2030"),
            Some(format!(
                "({{name email company}} : \"1 555 010 2030\"* OR phone : \"{}\")",
                phrase("15550102030")
            ))
        );
        assert_eq!(
            match_expression("acme 010-2030"),
            Some(format!(
                "{{name email company}} : \"acme\"* AND ({{name email company}} : \"010 2030\"* OR phone : \"{}\")",
                phrase("0102030")
            ))
        );
        assert_eq!(
            match_expression("ann@acme lee").as_deref(),
            Some("{name email company} : \"ann acme\"* AND {name email company} : \"lee\"*")
        );
        assert_eq!(
            match_expression("levi.c").as_deref(),
            Some("{name email company} : \"levi\"*"),
            "a one-letter last token is left out of the phrase"
        );
        assert_eq!(
            match_expression("c").as_deref(),
            Some("{name email company} : \"c\"*"),
            "unless it is all there is"
        );
    }

    #[test]
    fn fts_syntax_cannot_be_injected() {
        let expr = match_expression("\"a\" OR b* NEAR(c) {x}:y").unwrap_or_default();
        assert!(!expr.contains("NEAR("));
        assert_eq!(expr.matches('"').count() % 2, 0);
        assert_eq!(match_expression("*** \"\" ()"), None);
    }
}
