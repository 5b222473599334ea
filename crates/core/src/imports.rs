//! CSV import of leads: read the header, propose which column fills which
//! field, take the user's edited mapping, check every row, and write the good
//! ones as one batch in one transaction. Each row is reported as created,
//! skipped as a duplicate (same email or phone digits as an existing lead or
//! an earlier row) or rejected with its reasons. A batch can be undone.

use crate::Store;
use crate::activity::{self, ActivityKind};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields;
use crate::ids::{ImportBatchId, LeadId};
use crate::journal::{self, Entity};

use crate::leads::{self, LeadOrigin, LeadRow, LeadSource, LeadStatus, NewLeadRow};
use crate::schema::{import_batches, leads as leads_table};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

text_enum!(
    /// A lead field a CSV column can fill.
    ImportField, "lead field" {
        Name => "name",
        FirstName => "first_name",
        LastName => "last_name",
        Email => "email",
        Phone => "phone",
        Company => "company",
        Source => "source",
        Status => "status",
        Tags => "tags",
        Notes => "notes",
    }
);

/// Which column (by its header, as written in the file) fills which field.
pub type Mapping = BTreeMap<ImportField, String>;

/// What the import wizard shows before anything is written.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    pub headers: Vec<String>,
    /// The proposed mapping, from the headers' names.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<ImportField, String>))]
    pub mapping: Mapping,
    /// The first rows, as read.
    pub sample: Vec<Vec<String>>,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    Created {
        line: u64,
        lead_id: LeadId,
    },
    /// The same email or phone as an earlier row of the file or a lead
    /// already in Leadlight (its id when the importer may see it).
    Duplicate {
        line: u64,
        reason: String,
        earlier_line: Option<u64>,
        existing_lead: Option<LeadId>,
    },
    Rejected {
        line: u64,
        reasons: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub batch_id: ImportBatchId,
    pub rows: u64,
    pub created: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub outcomes: Vec<RowOutcome>,
}

/// An earlier import, for the list the wizard offers to undo.
#[derive(Debug, Clone, Serialize, PartialEq, Queryable, Selectable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = import_batches)]
pub struct Batch {
    pub id: ImportBatchId,
    pub file_name: String,
    pub rows: i64,
    pub created: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub undone_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// Called as rows are checked and written: (rows done, rows in all).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// The header and the records, with the line each starts on.
struct Table {
    headers: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
}

fn bad_file(message: impl Into<String>) -> CoreError {
    CoreError::invalid("file", message)
}

/// Read the whole file before anything is written: a file that is not valid
/// CSV (or not UTF-8) imports nothing.
fn read_table(bytes: &[u8]) -> CoreResult<Table> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(bad_file(
            "is larger than 256 MB; split it into smaller files",
        ));
    }
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        bad_file(format!(
            "is not UTF-8 text (a byte at offset {} is not); save it as \"CSV UTF-8\" and try again",
            e.valid_up_to()
        ))
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file(format!("has no readable header row: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(bad_file("has no header row"));
    }
    let mut seen = HashMap::new();
    for header in headers.iter().filter(|h| !h.is_empty()) {
        if seen.insert(header.to_lowercase(), ()).is_some() {
            return Err(bad_file(format!("has the column \"{header}\" twice")));
        }
    }
    let mut records = Vec::new();
    // Line numbers as an editor shows them, counted from byte offsets: the
    // reader's own line count depends on whether lines end in CRLF or LF.
    let (mut counted_to, mut line) = (0usize, 1u64);
    loop {
        let mut start = (reader.position().byte() as usize).min(text.len());
        start += text[start..]
            .bytes()
            .take_while(|b| *b == b'\r' || *b == b'\n')
            .count();
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = start;
        let mut record = csv::StringRecord::new();
        let more = reader.read_record(&mut record).map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => bad_file(format!(
                "line {line} has {len} fields where the header has {expected_len}; nothing was imported"
            )),
            _ => bad_file(format!("is not valid CSV at line {line}: {e}; nothing was imported")),
        })?;
        if !more {
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        records.push((line, record));
    }
    Ok(Table { headers, records })
}

/// The words people use for each field in a header, compared without case,
/// spaces or punctuation.
fn guess_field(header: &str) -> Option<ImportField> {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    use ImportField::*;
    Some(match key.as_str() {
        "name" | "fullname" | "contact" | "contactname" | "leadname" | "person" => Name,
        "firstname" | "first" | "givenname" | "forename" => FirstName,
        "lastname" | "last" | "surname" | "familyname" => LastName,
        "email" | "emailaddress" | "mail" | "emailid" => Email,
        "phone" | "phonenumber" | "telephone" | "tel" | "mobile" | "mobilephone" | "cell"
        | "cellphone" | "phoneno" => Phone,
        "company" | "companyname" | "organisation" | "organization" | "account" | "business"
        | "employer" => Company,
        "source" | "leadsource" | "channel" | "origin" => Source,
        "status" | "leadstatus" | "stage" | "pipelinestage" => Status,
        "tags" | "tag" | "labels" | "label" => Tags,
        "notes" | "note" | "comment" | "comments" | "description" | "message" => Notes,
        _ => return None,
    })
}

/// Propose a mapping from the headers (the first column to claim a field wins).
pub fn guess(headers: &[String]) -> Mapping {
    let mut mapping = Mapping::new();
    for header in headers {
        if let Some(field) = guess_field(header) {
            mapping.entry(field).or_insert_with(|| header.clone());
        }
    }
    mapping
}

/// Read a file's header and first rows and propose a mapping; writes nothing.
pub fn preview(bytes: &[u8]) -> CoreResult<Preview> {
    let table = read_table(bytes)?;
    Ok(Preview {
        mapping: guess(&table.headers),
        sample: table
            .records
            .iter()
            .take(5)
            .map(|(_, r)| r.iter().map(str::to_owned).collect())
            .collect(),
        rows: table.records.len() as u64,
        headers: table.headers,
    })
}

/// A checked row, ready to write.
struct Valid {
    line: u64,
    name: String,
    email: Option<String>,
    phone: Option<fields::Phone>,
    company: Option<String>,
    source: LeadSource,
    status: LeadStatus,
    tags: Vec<String>,
    notes: Option<String>,
}

enum Checked {
    Valid(Box<Valid>),
    Rejected(u64, Vec<String>),
}

/// Column positions of the mapped fields, checked against the header.
fn columns(table: &Table, mapping: &Mapping) -> CoreResult<BTreeMap<ImportField, usize>> {
    let mut problems = Problems::new();
    let mut positions = BTreeMap::new();
    for (field, header) in mapping {
        match table
            .headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(header.trim()))
        {
            Some(i) => {
                positions.insert(*field, i);
            }
            None => problems.add(
                "mapping",
                format!("{field}: the file has no column \"{header}\""),
            ),
        }
    }
    if !positions.contains_key(&ImportField::Name)
        && !positions.contains_key(&ImportField::FirstName)
        && !positions.contains_key(&ImportField::LastName)
    {
        problems.add(
            "mapping",
            "choose the column with the name (or first and last names)",
        );
    }
    problems.finish()?;
    Ok(positions)
}

/// Check every row, the two halves of a large file at once (parsing phone
/// numbers and emails is a tenth of a 100,000-row import).
fn check_rows(
    records: &[(u64, csv::StringRecord)],
    columns: &BTreeMap<ImportField, usize>,
) -> Vec<Checked> {
    let check = |part: &[(u64, csv::StringRecord)]| -> Vec<Checked> {
        part.iter()
            .map(|(line, record)| check_row(*line, record, columns))
            .collect()
    };
    if records.len() < 10_000 {
        return check(records);
    }
    let (first, second) = records.split_at(records.len() / 2);
    std::thread::scope(|scope| {
        let later = std::thread::Builder::new()
            .name("leadlight-import-check".into())
            .spawn_scoped(scope, || check(second));
        let mut checked = check(first);
        match later {
            Ok(later) => match later.join() {
                Ok(rest) => checked.extend(rest),
                Err(panic) => std::panic::resume_unwind(panic),
            },
            // No second thread to be had: this one does both halves.
            Err(_) => checked.extend(check(second)),
        }
        checked
    })
}

fn check_row(
    line: u64,
    record: &csv::StringRecord,
    columns: &BTreeMap<ImportField, usize>,
) -> Checked {
    let get = |field: ImportField| -> Option<&str> {
        columns
            .get(&field)
            .and_then(|i| record.get(*i))
            .filter(|v| !v.is_empty())
    };
    let mut problems = Problems::new();
    let full_name = match get(ImportField::Name) {
        Some(name) => name.to_owned(),
        None => [get(ImportField::FirstName), get(ImportField::LastName)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let name = problems.check("name", fields::required_text(&full_name, 200));
    let email = problems.check("email", fields::optional_email(get(ImportField::Email)));
    let phone = problems.check("phone", fields::optional_phone(get(ImportField::Phone)));
    let company = problems.check(
        "company",
        fields::optional_text(get(ImportField::Company), 200),
    );
    let source = match get(ImportField::Source) {
        Some(text) => problems.check("source", text.parse::<LeadSource>()),
        None => Some(LeadSource::Other),
    };
    let status = match get(ImportField::Status) {
        Some(text) => problems.check("status", text.parse::<LeadStatus>()),
        None => Some(LeadStatus::New),
    };
    let tags: Vec<String> = get(ImportField::Tags)
        .map(|t| {
            t.split([',', ';'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .filter_map(|t| problems.check("tags", fields::tag(t)))
                .collect()
        })
        .unwrap_or_default();
    let notes = get(ImportField::Notes)
        .and_then(|n| problems.check("notes", fields::required_body(n, 20_000)));
    match (name, email, phone, company, source, status) {
        (Some(name), Some(email), Some(phone), Some(company), Some(source), Some(status))
            if problems.messages().is_empty() =>
        {
            let mut unique: Vec<String> = Vec::new();
            for tag in tags {
                if !unique.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
                    unique.push(tag);
                }
            }
            Checked::Valid(Box::new(Valid {
                line,
                name,
                email,
                phone,
                company,
                source,
                status,
                tags: unique,
                notes,
            }))
        }
        _ => Checked::Rejected(line, problems.messages()),
    }
}

/// Import the leads of a CSV file with `mapping`, as one batch owned by the
/// actor. Rows are all checked first; the good ones are written in one
/// transaction, so an import happens whole or not at all.
pub fn import(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    file_name: &str,
    mapping: &Mapping,
    progress: Progress<'_>,
) -> CoreResult<ImportReport> {
    let table = read_table(bytes)?;
    let columns = columns(&table, mapping)?;
    let total = table.records.len() as u64;
    let checked = check_rows(&table.records, &columns);
    let file_name = fields::optional_text(Some(file_name), 200)
        .map_err(|m| CoreError::invalid("file_name", m))?
        .unwrap_or_else(|| "import.csv".into());
    let now = store.now();
    let batch_id = ImportBatchId::new();
    store.write_bulk(|conn| {
        diesel::insert_into(import_batches::table)
            .values((
                import_batches::id.eq(batch_id),
                import_batches::created_by.eq(actor.user_id),
                import_batches::file_name.eq(&file_name),
                import_batches::rows.eq(total as i64),
                import_batches::created.eq(0i64),
                import_batches::duplicates.eq(0i64),
                import_batches::rejected.eq(0i64),
                import_batches::created_at.eq(now),
                import_batches::updated_at.eq(now),
            ))
            .execute(conn)?;
        let known = Known::look_up(conn, &checked)?;
        // Which rows become leads is decided on a second core, a slice at a
        // time with the slice's journal entries, while this one writes the
        // slices before: rows first, several per statement (see
        // leads::insert_rows), with their journal entries in bulk. Then the
        // search index and summaries for them all; then what a few rows
        // bring (tags, customers, notes), which may update a lead, whose
        // update triggers expect it indexed. Slices keep statements small.
        let mut written = Written::default();
        let sorted = std::thread::scope(|scope| -> CoreResult<Sorted> {
            let (slices, arriving) = std::sync::mpsc::sync_channel::<Slice>(2);
            // The rows go to the sorter once it runs: if no thread can be
            // had, this one still has them.
            let (give, take) = std::sync::mpsc::sync_channel::<Vec<Checked>>(1);
            let known = &known;
            let sort = move || {
                let checked = take
                    .recv()
                    .map_err(|_| CoreError::internal("the import's rows never came"))?;
                sort_rows(checked, known, actor, batch_id, now, |slice| {
                    slices
                        .send(slice)
                        .map_err(|_| CoreError::internal("the import stopped writing"))
                })
            };
            let spawned = std::thread::Builder::new()
                .name("leadlight-import-rows".into())
                .spawn_scoped(scope, sort);
            let Ok(sorter) = spawned else {
                // No second thread to be had: this one sorts and writes.
                return sort_rows(checked, known, actor, batch_id, now, |slice| {
                    written.write(conn, slice, total, &mut *progress)
                });
            };
            // The sorter is waiting on this channel, which has room for it.
            let _ = give.send(checked);
            for slice in arriving {
                written.write(conn, slice, total, &mut *progress)?;
            }
            sorter
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?;
        let Written {
            rows: to_write,
            leads: new_leads,
        } = written;
        let Sorted {
            outcomes,
            created,
            duplicates,
            rejected,
        } = sorted;
        leads::index_imported(conn, batch_id, &new_leads)?;
        // Short of the total until the end: all done is told once, when
        // everything is written (none created: nothing to tell till then).
        if created > 0 {
            progress(row_progress(total, created, created * 3 / 4), total);
        }
        for (n, (row, lead)) in to_write.iter().zip(&new_leads).enumerate() {
            write_rest(conn, actor, row, lead, now)?;
            let done = n + 1;
            if done % WRITE_SLICE == 0 && done < to_write.len() {
                let rest = done as u64 / 4;
                progress(row_progress(total, created, created * 3 / 4 + rest), total);
            }
        }
        diesel::update(import_batches::table.filter(import_batches::id.eq(batch_id)))
            .set((
                import_batches::created.eq(created as i64),
                import_batches::duplicates.eq(duplicates as i64),
                import_batches::rejected.eq(rejected as i64),
            ))
            .execute(conn)?;
        progress(total, total);
        tracing::info!(batch = %batch_id, created, duplicates, rejected, "import written");
        Ok(ImportReport {
            batch_id,
            rows: total,
            created,
            duplicates,
            rejected,
            outcomes,
        })
    })
}

/// Rows to create, in file order, handed from [`sort_rows`] to the writer.
struct Slice {
    rows: Vec<Valid>,
    leads: Vec<NewLeadRow>,
    entries: Vec<journal::Entry>,
    /// Rows of the file found duplicate or rejected so far.
    skipped: u64,
}

/// What became of each row.
struct Sorted {
    outcomes: Vec<RowOutcome>,
    created: u64,
    duplicates: u64,
    rejected: u64,
}

/// The rows written so far, and the leads made of them (the same order).
#[derive(Default)]
struct Written {
    rows: Vec<Valid>,
    leads: Vec<NewLeadRow>,
}

impl Written {
    fn write(
        &mut self,
        conn: &mut SqliteConnection,
        slice: Slice,
        total: u64,
        progress: Progress<'_>,
    ) -> CoreResult<()> {
        leads::insert_rows(conn, &slice.leads)?;
        journal::record_many(conn, slice.entries)?;
        if !slice.leads.is_empty() {
            self.rows.extend(slice.rows);
            self.leads.extend(slice.leads);
            // Writing a row with its journal entry counts for half of it
            // (see `row_progress`).
            progress(slice.skipped + self.leads.len() as u64 / 2, total);
        }
        Ok(())
    }
}

/// Decide, in file order, what becomes of each row: rejected, a duplicate
/// of an earlier line or of a lead already in Leadlight, or a new lead; and
/// hand the new leads on in slices of [`WRITE_SLICE`] with their journal
/// entries, the last slice (perhaps empty) once every row is sorted.
fn sort_rows(
    checked: Vec<Checked>,
    known: &Known,
    actor: &Actor,
    batch_id: ImportBatchId,
    now: Timestamp,
    mut hand_on: impl FnMut(Slice) -> CoreResult<()>,
) -> CoreResult<Sorted> {
    let mut outcomes = Vec::with_capacity(checked.len());
    // Sized for every row at once: grown as rows came, rehashing was 1% of
    // a 100,000-row import.
    let mut first_line_by_email: HashMap<String, u64> = HashMap::with_capacity(checked.len());
    let mut first_line_by_phone: HashMap<String, u64> = HashMap::with_capacity(checked.len());
    let (mut created, mut duplicates, mut rejected) = (0u64, 0u64, 0u64);
    let (mut rows, mut made): (Vec<Valid>, Vec<NewLeadRow>) = (Vec::new(), Vec::new());
    let mut slice = |rows: Vec<Valid>, made: Vec<NewLeadRow>, skipped: u64| -> CoreResult<()> {
        let entries = made
            .iter()
            .map(|lead| {
                let id = lead.id.to_string();
                journal::Entry::insert(Entity::Lead, id, lead, Some(actor.user_id), now)
            })
            .collect::<CoreResult<Vec<_>>>()?;
        hand_on(Slice {
            rows,
            leads: made,
            entries,
            skipped,
        })
    };
    for row in checked {
        let row = match row {
            Checked::Rejected(line, reasons) => {
                rejected += 1;
                outcomes.push(RowOutcome::Rejected { line, reasons });
                continue;
            }
            Checked::Valid(row) => row,
        };
        // Keys to find the row again in later rows of the file; the
        // sentence saying why is only made for a duplicate.
        let email_key = row.email.as_ref().map(|e| e.to_lowercase());
        let phone_tail = row.phone.as_ref().map(|p| phone_key(&p.digits).to_owned());
        let earlier = email_key
            .as_ref()
            .and_then(|k| first_line_by_email.get(k))
            .map(|line| (*line, Same::Email))
            .or_else(|| {
                phone_tail
                    .as_ref()
                    .and_then(|k| first_line_by_phone.get(k))
                    .map(|line| (*line, Same::Phone))
            });
        if let Some((line, same)) = earlier {
            duplicates += 1;
            outcomes.push(RowOutcome::Duplicate {
                line: row.line,
                reason: format!("{} on line {line}", same.reason(&row)),
                earlier_line: Some(line),
                existing_lead: None,
            });
            continue;
        }
        if let Some((existing, owner, same)) = known.duplicate_of(&row) {
            duplicates += 1;
            let visible = actor.sees_everything() || owner == Some(actor.user_id);
            outcomes.push(RowOutcome::Duplicate {
                line: row.line,
                reason: format!("{} on a lead already in Leadlight", same.reason(&row)),
                earlier_line: None,
                existing_lead: visible.then_some(existing),
            });
            continue;
        }
        if let Some(key) = email_key {
            first_line_by_email.insert(key, row.line);
        }
        if let Some(key) = phone_tail {
            first_line_by_phone.insert(key, row.line);
        }
        let lead = lead_row(actor, &row, LeadId::new(), batch_id, now);
        created += 1;
        outcomes.push(RowOutcome::Created {
            line: row.line,
            lead_id: lead.id,
        });
        rows.push(*row);
        made.push(lead);
        if made.len() == WRITE_SLICE {
            slice(
                std::mem::take(&mut rows),
                std::mem::take(&mut made),
                duplicates + rejected,
            )?;
        }
    }
    slice(rows, made, duplicates + rejected)?;
    Ok(Sorted {
        outcomes,
        created,
        duplicates,
        rejected,
    })
}

/// Two numbers are the same when their last 10 digits are (with or without a
/// country code or trunk prefix); shorter numbers must match whole.
fn phone_key(digits: &str) -> &str {
    &digits[digits.len().saturating_sub(10)..]
}

/// A live lead with the row's email (any case) or phone number.
/// Leads already in Leadlight that rows of a file may duplicate, by email and
/// by phone key, looked up a few hundred at a time before any row is written
/// (a lookup per row was a fifth of a large import).
struct Known {
    by_email: HashMap<String, (LeadId, Option<crate::ids::UserId>)>,
    by_phone: HashMap<String, (LeadId, Option<crate::ids::UserId>)>,
}

#[derive(QueryableByName)]
struct KnownRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    owner_id: Option<String>,
}

/// Keys per lookup statement.
const KEYS_PER_LOOKUP: usize = 500;

impl Known {
    fn look_up(conn: &mut SqliteConnection, rows: &[Checked]) -> CoreResult<Self> {
        let valid = || {
            rows.iter().filter_map(|r| match r {
                Checked::Valid(v) => Some(v),
                Checked::Rejected(..) => None,
            })
        };
        let emails: Vec<String> = valid().filter_map(|v| v.email.clone()).collect();
        let phones: Vec<String> = valid()
            .filter_map(|v| v.phone.as_ref().map(|p| phone_key(&p.digits).to_owned()))
            .collect();
        // Matches the `leads_email` and `leads_phone_key` indexes exactly
        // (not the search index: querying FTS5 mid-import flushes it).
        Ok(Self {
            by_email: Self::fetch(conn, "email", "email IS NOT NULL AND email", &emails)?,
            by_phone: Self::fetch(
                conn,
                "substr(phone_digits, -10)",
                "phone_digits IS NOT NULL AND substr(phone_digits, -10)",
                &phones,
            )?,
        })
    }

    fn fetch(
        conn: &mut SqliteConnection,
        key: &str,
        condition: &str,
        values: &[String],
    ) -> CoreResult<HashMap<String, (LeadId, Option<crate::ids::UserId>)>> {
        let mut found = HashMap::new();
        for chunk in values.chunks(KEYS_PER_LOOKUP) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut query = diesel::sql_query(format!(
                "SELECT {key} AS key, id, owner_id FROM leads \
                 WHERE deleted_at IS NULL AND {condition} IN ({marks}) ORDER BY seq"
            ))
            .into_boxed::<diesel::sqlite::Sqlite>();
            for value in chunk {
                query = query.bind::<diesel::sql_types::Text, _>(value.as_str());
            }
            for row in query.load::<KnownRow>(conn)? {
                let id = LeadId::parse(&row.id).map_err(CoreError::internal)?;
                let owner = match row.owner_id {
                    Some(o) => Some(crate::ids::UserId::parse(&o).map_err(CoreError::internal)?),
                    None => None,
                };
                // Emails compare as the column does (COLLATE NOCASE: ASCII case).
                found
                    .entry(row.key.to_ascii_lowercase())
                    .or_insert((id, owner));
            }
        }
        Ok(found)
    }

    /// The lead `row` duplicates, whose owner, and what they share.
    fn duplicate_of(&self, row: &Valid) -> Option<(LeadId, Option<crate::ids::UserId>, Same)> {
        if let Some(email) = &row.email
            && let Some((id, owner)) = self.by_email.get(&email.to_ascii_lowercase())
        {
            return Some((*id, *owner, Same::Email));
        }
        let phone = row.phone.as_ref()?;
        let (id, owner) = self.by_phone.get(phone_key(&phone.digits))?;
        Some((*id, *owner, Same::Phone))
    }
}

/// What a row shares with an earlier row or a lead already in Leadlight.
#[derive(Clone, Copy)]
enum Same {
    Email,
    Phone,
}

impl Same {
    /// Why `row` is a duplicate, in the import report's words.
    fn reason(self, row: &Valid) -> String {
        match self {
            Self::Email => format!("the same email as {}", row.email.as_deref().unwrap_or("")),
            Self::Phone => format!(
                "the same phone number as {}",
                row.phone.as_ref().map_or("", |p| p.display.as_str())
            ),
        }
    }
}

/// The lead row an import line becomes.
fn lead_row(
    actor: &Actor,
    row: &Valid,
    id: LeadId,
    batch: ImportBatchId,
    now: Timestamp,
) -> NewLeadRow {
    NewLeadRow {
        id,
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.as_ref().map(|p| p.display.clone()),
        phone_digits: row.phone.as_ref().map(|p| p.digits.clone()),
        company: row.company.clone(),
        source: row.source,
        status: row.status,
        owner_id: Some(actor.user_id),
        claimed_at: None,
        converted_at: (row.status == LeadStatus::Converted).then_some(now),
        lost_at: (row.status == LeadStatus::Lost).then_some(now),
        import_batch_id: Some(batch),
        created_at: now,
        updated_at: now,
        created_by: Some(actor.user_id),
        created_via: Some(LeadOrigin::Import),
    }
}

/// Leads written per slice of an import.
const WRITE_SLICE: usize = 5_000;

/// How many of the file's rows to report done: those found duplicate or
/// rejected, and of the rows to create, `share` (of `created`). Writing
/// them with their journal entries counts for half of a created row, the
/// search index and summaries for all of them a quarter, their tags,
/// customers and notes the last quarter (roughly their shares of the time).
fn row_progress(total: u64, created: u64, share: u64) -> u64 {
    total - created + share.min(created)
}

/// What a few rows bring beyond the lead and its journal entry (written in
/// bulk): tags, a customer, a note.
fn write_rest(
    conn: &mut SqliteConnection,
    actor: &Actor,
    row: &Valid,
    lead: &NewLeadRow,
    now: Timestamp,
) -> CoreResult<()> {
    let id = lead.id;
    leads::put_tags(conn, id, &row.tags, Some(actor.user_id), now)?;
    if row.status == LeadStatus::Converted {
        let as_row = LeadRow {
            id,
            name: lead.name.clone(),
            email: lead.email.clone(),
            phone: lead.phone.clone(),
            company: lead.company.clone(),
            source: lead.source,
            status: lead.status,
            owner_id: lead.owner_id,
            claimed_at: None,
            converted_at: lead.converted_at,
            lost_at: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            created_by: lead.created_by,
            created_via: lead.created_via,
        };
        crate::customers::create_for_lead(conn, actor, &as_row, now)?;
    }
    if let Some(body) = &row.notes {
        let note_id = crate::notes::insert_row(conn, id, Some(actor.user_id), body, now)?;
        activity::record(
            conn,
            id,
            Some(actor.user_id),
            ActivityKind::NoteAdded,
            json!({ "note_id": note_id, "excerpt": body.chars().take(140).collect::<String>() }),
            now,
            now,
        )?;
    }
    Ok(())
}

/// Recent imports the actor may see (their own; everyone's for Managers and
/// Admins), newest first.
pub fn batches(store: &Store, actor: &Actor) -> CoreResult<Vec<Batch>> {
    store.read(|conn| {
        let mut query = import_batches::table.into_boxed();
        if !actor.sees_everything() {
            query = query.filter(import_batches::created_by.eq(actor.user_id));
        }
        Ok(query
            .order(import_batches::created_at.desc())
            .limit(50)
            .select(Batch::as_select())
            .load(conn)?)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UndoReport {
    pub removed: u64,
}

/// Undo an import: every lead it created that still exists is deleted (as
/// any delete, a tombstone with its journal entry). The importer, a Manager
/// or an Admin may undo it, once.
pub fn undo(store: &Store, actor: &Actor, batch: ImportBatchId) -> CoreResult<UndoReport> {
    let now = store.now();
    store.write(|conn| {
        let found: Option<(crate::ids::UserId, Option<Timestamp>)> = import_batches::table
            .filter(import_batches::id.eq(batch))
            .select((import_batches::created_by, import_batches::undone_at))
            .first(conn)
            .optional()?;
        let Some((by, undone)) = found else {
            return Err(CoreError::not_found("import"));
        };
        if by != actor.user_id && !actor.sees_everything() {
            return Err(CoreError::not_found("import"));
        }
        if undone.is_some() {
            return Err(CoreError::Conflict("this import was already undone".into()));
        }
        let ids: Vec<LeadId> = leads_table::table
            .filter(leads_table::import_batch_id.eq(batch))
            .filter(leads_table::deleted_at.is_null())
            .select(leads_table::id)
            .load(conn)?;
        for id in &ids {
            leads::tombstone(conn, actor, *id, now)?;
        }
        diesel::update(import_batches::table.filter(import_batches::id.eq(batch)))
            .set((
                import_batches::undone_at.eq(now),
                import_batches::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(UndoReport {
            removed: ids.len() as u64,
        })
    })
}
