//! Password hashing: argon2id at OWASP's current minimum (m = 19 MiB, t = 2,
//! p = 1) with a random salt per hash. The PHC string records the parameters,
//! so a hash made with weaker ones is recognised and upgraded at sign-in.

use crate::error::{CoreError, CoreResult};
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use std::sync::OnceLock;

pub(crate) const MIN_CHARS: usize = 8;
/// Hashing cost grows with length; a megabyte "password" is an attack.
pub(crate) const MAX_BYTES: usize = 1024;

const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn hasher() -> CoreResult<Argon2<'static>> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(CoreError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The password rules, as a message for the `password` field.
pub(crate) fn check_rules(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_CHARS {
        return Err(format!("must be at least {MIN_CHARS} characters"));
    }
    if password.len() > MAX_BYTES {
        return Err(format!("must be at most {MAX_BYTES} bytes"));
    }
    if password.trim().is_empty() {
        return Err("cannot be only spaces".into());
    }
    Ok(())
}

/// Hash a password with the current parameters and a fresh salt.
pub(crate) fn hash(password: &str) -> CoreResult<String> {
    hasher()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(CoreError::internal)
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Right password; `outdated` when the hash's parameters are below today's.
    Valid {
        outdated: bool,
    },
    Invalid,
}

pub(crate) fn verify(password: &str, stored: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Invalid;
    };
    // The hash names its own algorithm and parameters; verify with those.
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::Invalid;
    }
    let outdated = parsed.algorithm != argon2::ARGON2ID_IDENT
        || Params::try_from(&parsed)
            .map(|p| p.m_cost() < M_COST_KIB || p.t_cost() < T_COST || p.p_cost() < P_COST)
            .unwrap_or(true);
    Verdict::Valid { outdated }
}

/// Spend the same work as a real check when there is no account to check
/// against, so a wrong email and a wrong password take about the same time.
pub(crate) fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(dummy) = DUMMY.get_or_init(|| hash("not a real password, only timing").ok()) {
        let _ = verify(password, dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_minimum_with_their_own_salt() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt per hash");
        assert_eq!(
            verify("correct horse", &a),
            Verdict::Valid { outdated: false }
        );
        assert_eq!(verify("wrong horse", &a), Verdict::Invalid);
        assert_eq!(verify("correct horse", "garbage"), Verdict::Invalid);
    }

    #[test]
    fn weaker_hashes_are_recognised_as_outdated() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"old password")
        .unwrap()
        .to_string();
        assert_eq!(
            verify("old password", &weak),
            Verdict::Valid { outdated: true }
        );
    }

    #[test]
    fn rules_name_what_is_wrong() {
        assert!(check_rules("short").unwrap_err().contains("at least 8"));
        assert!(
            check_rules(&"x".repeat(2000))
                .unwrap_err()
                .contains("at most")
        );
        assert!(check_rules("        ").is_err());
        assert!(check_rules("long enough").is_ok());
    }
}
