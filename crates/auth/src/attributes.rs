//! User attributes checked against the pool's schema from `defineAuth`: the standard OIDC
//! attributes Cognito always has, plus the project's `custom:` attributes with their data types
//! and `minLen`/`maxLen`/`min`/`max` constraints, `required` on sign-up and `mutable` on update.

use std::collections::BTreeMap;

use definition::ir::Auth;
use serde_json::Value;

use crate::error::AuthError;

/// Cognito's standard attributes (every pool has them; `sub` and the `*_verified` flags are
/// managed by the service).
pub const STANDARD: &[&str] = &[
    "address", "birthdate", "email", "family_name", "gender", "given_name", "locale", "middle_name", "name", "nickname",
    "phone_number", "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo",
];

/// Attributes only the service (or an admin) writes.
pub const MANAGED: &[&str] = &["sub", "email_verified", "phone_number_verified", "identities"];

/// Why a write happens: it decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// SignUp: required attributes must be present; immutable ones may be set.
    SignUp,
    /// UpdateUserAttributes: immutable attributes are refused.
    Update,
    /// Admin APIs: anything but `sub`, verified flags allowed.
    Admin,
}

fn schema_err(name: &str, what: &str) -> AuthError {
    AuthError::InvalidParameter(format!("Attributes did not conform to the schema: {name}: {what}"))
}

/// Parses `[{Name, Value}]` into a map, rejecting malformed entries.
pub fn parse_list(v: Option<&Value>) -> Result<BTreeMap<String, String>, AuthError> {
    let mut out = BTreeMap::new();
    let Some(v) = v else { return Ok(out) };
    let list = v.as_array().ok_or_else(|| AuthError::Serialization("UserAttributes must be a list".into()))?;
    for a in list {
        let name = a.get("Name").and_then(Value::as_str).ok_or_else(|| AuthError::missing("userAttributes.member.name"))?;
        let value = match a.get("Value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// Renders attributes as Cognito's `[{Name, Value}]`.
pub fn to_list(attrs: &BTreeMap<String, String>) -> Value {
    Value::Array(attrs.iter().map(|(k, v)| serde_json::json!({ "Name": k, "Value": v })).collect())
}

/// Validates `attrs` for `write` against the pool schema.
pub fn validate(auth: &Auth, attrs: &BTreeMap<String, String>, write: Write) -> Result<(), AuthError> {
    for (name, value) in attrs {
        if MANAGED.contains(&name.as_str()) {
            if write == Write::Admin && name != "sub" && name != "identities" {
                if value != "true" && value != "false" {
                    return Err(schema_err(name, "Value must be true or false"));
                }
                continue;
            }
            return Err(AuthError::NotAuthorized("A client attempted to write unauthorized attribute".into()));
        }
        let declared = auth.user_attributes.get(name);
        if name.starts_with("custom:") {
            let Some(decl) = declared else {
                return Err(AuthError::InvalidParameter(format!(
                    "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
                )));
            };
            if write == Write::Update && !decl.mutable {
                return Err(AuthError::NotAuthorized("A client attempted to write unauthorized attribute".into()));
            }
            check_custom(name, value, decl)?;
            continue;
        }
        if !STANDARD.contains(&name.as_str()) {
            return Err(AuthError::InvalidParameter(format!(
                "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
            )));
        }
        if let Some(decl) = declared {
            if write == Write::Update && !decl.mutable {
                return Err(AuthError::NotAuthorized("A client attempted to write unauthorized attribute".into()));
            }
            if decl.required && value.is_empty() && write != Write::SignUp {
                return Err(schema_err(name, "The attribute cannot be blank"));
            }
        }
        check_standard(name, value)?;
    }
    if write == Write::SignUp {
        for decl in auth.user_attributes.values().filter(|a| a.required) {
            if attrs.get(&decl.name).is_none_or(|v| v.is_empty()) {
                return Err(schema_err(&decl.name, "The attribute is required"));
            }
        }
    }
    Ok(())
}

fn check_standard(name: &str, value: &str) -> Result<(), AuthError> {
    if value.chars().count() > 2048 {
        return Err(schema_err(name, "String must be no longer than 2048 characters"));
    }
    match name {
        "email" if !value.is_empty() && !valid_email(value) => Err(AuthError::InvalidParameter("Invalid email address format.".into())),
        "phone_number" if !value.is_empty() && !valid_phone(value) => Err(AuthError::InvalidParameter("Invalid phone number format.".into())),
        "updated_at" if !value.is_empty() && value.parse::<i64>().is_err() => Err(schema_err(name, "Number must be an integer")),
        _ => Ok(()),
    }
}

fn check_custom(name: &str, value: &str, decl: &definition::ir::UserAttribute) -> Result<(), AuthError> {
    match decl.data_type.as_str() {
        "Number" => {
            let Ok(n) = value.trim().parse::<f64>() else {
                return Err(schema_err(name, "Number could not be parsed"));
            };
            if decl.min.is_some_and(|m| n < m) {
                return Err(schema_err(name, &format!("Number must be no less than {}", fmt_num(decl.min.unwrap_or_default()))));
            }
            if decl.max.is_some_and(|m| n > m) {
                return Err(schema_err(name, &format!("Number must be no greater than {}", fmt_num(decl.max.unwrap_or_default()))));
            }
        }
        "Boolean" => {
            if !matches!(value, "true" | "false" | "1" | "0") {
                return Err(schema_err(name, "Boolean could not be parsed"));
            }
        }
        "DateTime" => {
            if !valid_datetime(value) {
                return Err(schema_err(name, "DateTime could not be parsed"));
            }
        }
        _ => {
            let len = value.chars().count() as u32;
            if decl.min_len.is_some_and(|m| len < m) {
                return Err(schema_err(name, &format!("String must be no shorter than {} characters", decl.min_len.unwrap_or_default())));
            }
            let max = decl.max_len.unwrap_or(2048);
            if len > max {
                return Err(schema_err(name, &format!("String must be no longer than {max} characters")));
            }
        }
    }
    Ok(())
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 { format!("{}", n as i64) } else { n.to_string() }
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// E.164: `+` then 4 to 15 digits.
pub fn valid_phone(s: &str) -> bool {
    let Some(d) = s.strip_prefix('+') else { return false };
    (4..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit())
}

/// ISO-8601-ish date or date-time (what Amplify's DateTime attributes hold), or epoch seconds.
fn valid_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use definition::ir::{LoginWith, Mfa, MfaMode, PasswordPolicy, UserAttribute};

    fn auth() -> Auth {
        let mut user_attributes = BTreeMap::new();
        let mut add = |a: UserAttribute| {
            user_attributes.insert(a.name.clone(), a);
        };
        add(UserAttribute { name: "email".into(), required: true, mutable: true, data_type: "String".into(), ..Default::default() });
        add(UserAttribute { name: "custom:display_name".into(), mutable: true, data_type: "String".into(), min_len: Some(1), max_len: Some(16), ..Default::default() });
        add(UserAttribute { name: "custom:favorite_number".into(), mutable: true, data_type: "Number".into(), min: Some(1.0), max: Some(100.0), ..Default::default() });
        add(UserAttribute { name: "custom:is_beta_user".into(), mutable: true, data_type: "Boolean".into(), ..Default::default() });
        add(UserAttribute { name: "custom:tenant".into(), mutable: false, data_type: "String".into(), ..Default::default() });
        Auth {
            login_with: LoginWith { email: true, ..Default::default() },
            username_attributes: vec!["email".into()],
            user_attributes,
            groups: vec![],
            mfa: Mfa { mode: MfaMode::Off, totp: false, sms: false, email: false },
            password_policy: PasswordPolicy::default(),
            account_recovery: None,
            allow_unauthenticated_identities: true,
            triggers: BTreeMap::new(),
            access: BTreeMap::new(),
            extra: Value::Null,
            device_tracking: None,
            pre_token_generation_version: None,
        }
    }

    fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn sign_up_requires_required_attributes() {
        let a = auth();
        assert!(validate(&a, &attrs(&[("email", "a@b.co")]), Write::SignUp).is_ok());
        let e = validate(&a, &attrs(&[("name", "A")]), Write::SignUp).unwrap_err();
        assert_eq!(e.message(), "Attributes did not conform to the schema: email: The attribute is required");
        assert_eq!(validate(&a, &attrs(&[("email", "nope")]), Write::SignUp).unwrap_err().message(), "Invalid email address format.");
    }

    #[test]
    fn custom_constraints_and_types() {
        let a = auth();
        let ok = |p: &[(&str, &str)]| validate(&a, &attrs(p), Write::Update).is_ok();
        assert!(ok(&[("custom:display_name", "Ada")]));
        assert!(!ok(&[("custom:display_name", "")]));
        assert!(!ok(&[("custom:display_name", "seventeen chars!!")]));
        assert!(ok(&[("custom:favorite_number", "42")]));
        assert!(!ok(&[("custom:favorite_number", "101")]));
        assert!(!ok(&[("custom:favorite_number", "0")]));
        assert!(!ok(&[("custom:favorite_number", "many")]));
        assert!(ok(&[("custom:is_beta_user", "true")]));
        assert!(!ok(&[("custom:is_beta_user", "yes")]));
        let unknown = validate(&a, &attrs(&[("custom:nope", "x")]), Write::Update).unwrap_err();
        assert_eq!(unknown.code(), "InvalidParameterException");
        let m = validate(&a, &attrs(&[("custom:favorite_number", "101")]), Write::Update).unwrap_err().message();
        assert_eq!(m, "Attributes did not conform to the schema: custom:favorite_number: Number must be no greater than 100");
    }

    #[test]
    fn mutability_and_managed_attributes() {
        let a = auth();
        assert!(validate(&a, &attrs(&[("email", "a@b.co"), ("custom:tenant", "t1")]), Write::SignUp).is_ok());
        assert_eq!(validate(&a, &attrs(&[("custom:tenant", "t2")]), Write::Update).unwrap_err().code(), "NotAuthorizedException");
        assert_eq!(validate(&a, &attrs(&[("email_verified", "true")]), Write::Update).unwrap_err().code(), "NotAuthorizedException");
        assert!(validate(&a, &attrs(&[("email_verified", "true")]), Write::Admin).is_ok());
        assert!(validate(&a, &attrs(&[("nickname", "n")]), Write::Update).is_ok());
        assert!(validate(&a, &attrs(&[("favorite_color", "n")]), Write::Update).is_err());
    }

    #[test]
    fn formats() {
        assert!(valid_phone("+15555550100"));
        assert!(!valid_phone("5555550100"));
        assert!(valid_email("a.b+c@example.co.uk"));
        assert!(!valid_email("a@b"));
    }
}
