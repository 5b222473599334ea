//! Parsers for the values users type. Each returns the cleaned value or a
//! message for the field; services collect them into one validation error.

/// A text of at most `max` characters (not bytes: "é" is one).
pub(crate) fn at_most(value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(())
}

/// A required single-line text: trimmed, inner runs of white space folded,
/// not empty, at most `max` characters.
pub(crate) fn required_text(value: &str, max: usize) -> Result<String, String> {
    no_control_characters(value, false)?;
    let folded = fold_spaces(value);
    if folded.is_empty() {
        return Err("is required".into());
    }
    at_most(&folded, max)?;
    Ok(folded)
}

/// An optional single-line text: blank means none.
pub(crate) fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    if let Some(v) = value {
        no_control_characters(v, false)?;
    }
    match value.map(fold_spaces) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => at_most(&v, max).map(|()| Some(v)),
    }
}

/// A multi-line body (a note, a message): trimmed at the ends only.
pub(crate) fn required_body(value: &str, max: usize) -> Result<String, String> {
    no_control_characters(value, true)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("is required".into());
    }
    at_most(trimmed, max)?;
    Ok(trimmed.to_owned())
}

/// Control characters (NUL above all, which SQLite's text functions stop at)
/// have no place in what people type; multi-line bodies keep their line
/// breaks and tabs.
fn no_control_characters(value: &str, multi_line: bool) -> Result<(), String> {
    // Single-line fields fold tabs and line breaks into spaces; bodies keep them.
    let allowed = |c: char| {
        if multi_line {
            matches!(c, '\n' | '\r' | '\t')
        } else {
            c.is_whitespace()
        }
    };
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err("contains a control character".into());
    }
    Ok(())
}

fn fold_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An email address as a person would type it; blank means none.
pub(crate) fn optional_email(value: Option<&str>) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => email(v).map(Some),
    }
}

pub(crate) fn email(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("is required".into());
    }
    // RFC 5322 allows more than people use: only a bare address with a dotted
    // domain. No display names ("Bob <bob@example.com>" would be a second
    // spelling of one mailbox), no IP literals, no quoted local parts.
    let parsed = email_address::EmailAddress::parse_with_options(
        v,
        email_address::Options::default()
            .with_required_tld()
            .without_display_text()
            .without_domain_literal(),
    );
    match parsed {
        Ok(address)
            if v.len() <= 254
                && address.display_part().is_empty()
                && address.email() == v
                && !address.local_part().starts_with('"') =>
        {
            Ok(address.email())
        }
        _ => Err(format!("'{v}' is not a valid email address")),
    }
}

/// A phone number as typed, and its digits for search and duplicate checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phone {
    pub display: String,
    pub digits: String,
}

/// Phone numbers: digits with the usual punctuation; 4 to 20 digits (E.164 is
/// at most 15, extensions add a few).
pub(crate) fn optional_phone(value: Option<&str>) -> Result<Option<Phone>, String> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_ascii_digit() || " +-().#/x".contains(c);
    if !v.chars().all(allowed) {
        return Err(format!(
            "'{v}' is not a phone number (digits and + - ( ) . / x only)"
        ));
    }
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    if !(4..=20).contains(&digits.len()) {
        return Err(format!("'{v}' must have between 4 and 20 digits"));
    }
    Ok(Some(Phone {
        display: fold_spaces(v),
        digits,
    }))
}

/// A tag: trimmed, folded, 1 to 40 characters, no commas (lists are split on them).
pub(crate) fn tag(value: &str) -> Result<String, String> {
    no_control_characters(value, false)?;
    let v = fold_spaces(value);
    if v.is_empty() {
        return Err("a tag cannot be empty".into());
    }
    if v.chars().count() > 40 {
        return Err(format!("tag '{v}' must be at most 40 characters"));
    }
    if v.contains(',') {
        return Err(format!("tag '{v}' cannot contain a comma"));
    }
    Ok(v)
}

/// For `Option<Option<T>>` patch fields: tell "absent" (None, via
/// `#[serde(default)]`) from "null" (Some(None)) in JSON.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// Edits to the contact details leads and customers share. Each field is
/// `None` when absent from the patch; inner `None` clears an optional one.
#[derive(Debug, Default)]
pub(crate) struct ContactEdits {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<Phone>>,
    pub company: Option<Option<String>>,
}

impl ContactEdits {
    pub(crate) const NAME_MAX: usize = 200;
    pub(crate) const COMPANY_MAX: usize = 200;

    /// Validate whichever contact fields a patch carries.
    pub(crate) fn parse(
        problems: &mut crate::error::Problems,
        name: Option<&str>,
        email: Option<Option<&str>>,
        phone: Option<Option<&str>>,
        company: Option<Option<&str>>,
    ) -> Self {
        Self {
            name: name.and_then(|n| problems.check("name", required_text(n, Self::NAME_MAX))),
            email: email.and_then(|e| problems.check("email", optional_email(e))),
            phone: phone.and_then(|p| problems.check("phone", optional_phone(p))),
            company: company
                .and_then(|c| problems.check("company", optional_text(c, Self::COMPANY_MAX))),
        }
    }
}

/// A page request: 1-based page, 1 to 200 items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PageRequest {
    /// The page, from 1 (default 1).
    #[serde(default = "PageRequest::first")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, default = 1))]
    pub page: u32,
    /// Items per page, 1 to 200 (default 50).
    #[serde(default = "PageRequest::default_limit")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200, default = 50))]
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            limit: Self::default_limit(),
        }
    }
}

impl PageRequest {
    pub const MAX_LIMIT: u32 = 200;

    pub fn new(page: u32, limit: u32) -> Self {
        Self { page, limit }
    }

    fn first() -> u32 {
        1
    }

    fn default_limit() -> u32 {
        50
    }

    pub(crate) fn check(&self, problems: &mut crate::error::Problems) {
        if self.page == 0 {
            problems.add("page", "pages are numbered from 1");
        }
        if !(1..=Self::MAX_LIMIT).contains(&self.limit) {
            problems.add(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            );
        }
    }

    pub(crate) fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.limit)
    }

    pub(crate) fn limit(&self) -> i64 {
        i64::from(self.limit)
    }
}

/// One page of a list, with the total the filters match.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub limit: u32,
    pub total: i64,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, request: PageRequest, total: i64) -> Self {
        Self {
            items,
            page: request.page,
            limit: request.limit,
            total,
        }
    }

    /// A whole list (short by nature, such as the accounts of a team) as the
    /// one page that holds it, so every list has the same shape.
    pub fn all(items: Vec<T>) -> Self {
        let count = items.len();
        Self {
            items,
            page: 1,
            limit: u32::try_from(count).unwrap_or(u32::MAX),
            total: i64::try_from(count).unwrap_or(i64::MAX),
        }
    }
}

/// One page of a feed too long to count: the items and whether more follow.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub limit: u32,
    pub has_more: bool,
}

impl<T> Window<T> {
    /// Build from up to `limit + 1` rows: the extra one only says more follow.
    pub(crate) fn from_overfetch(mut items: Vec<T>, request: PageRequest) -> Self {
        let has_more = items.len() > request.limit as usize;
        items.truncate(request.limit as usize);
        Self {
            items,
            page: request.page,
            limit: request.limit,
            has_more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keeps_digits_for_search() {
        let phone = optional_phone(Some(" +1 (555) 010-2030 "))
            .unwrap()
            .unwrap();
        assert_eq!(phone.display, "+1 (555) 010-2030");
        assert_eq!(phone.digits, "15550102030");
        assert!(optional_phone(Some("call me")).is_err());
        assert!(optional_phone(Some("12")).is_err());
        assert_eq!(optional_phone(Some("  ")).unwrap(), None);
    }

    #[test]
    fn emails_are_bare_addresses_with_a_dotted_domain() {
        assert_eq!(email(" Ann@Example.com ").unwrap(), "Ann@Example.com");
        for bad in [
            "ann@localhost",
            "not an email",
            "a@b@c.com",
            "Bob <bob@example.com>",
            "bob@[127.0.0.1]",
            "\"bob\"@example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn control_characters_are_refused_but_bodies_keep_line_breaks() {
        assert!(required_text("\0", 10).is_err());
        assert!(required_text("Bob\0", 10).is_err());
        assert!(tag("a\u{7}b").is_err());
        assert!(optional_text(Some("x\0"), 10).is_err());
        assert_eq!(required_text("Ann\tLee", 10).unwrap(), "Ann Lee");
        assert_eq!(
            required_body("line 1\n\tline 2", 50).unwrap(),
            "line 1\n\tline 2"
        );
        assert!(required_body("a\0b", 50).is_err());
    }

    #[test]
    fn names_are_trimmed_and_folded() {
        assert_eq!(required_text("  Ann   Lee ", 10).unwrap(), "Ann Lee");
        assert!(required_text(" \t ", 10).is_err());
        assert!(required_text("abcdefghijk", 10).is_err());
    }
}
