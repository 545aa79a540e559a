//! The user pool's password policy (from `defineAuth`, Amplify's defaults when unset), with
//! Cognito's exact refusal messages.

use definition::ir::PasswordPolicy;

use crate::error::AuthError;

/// Cognito's symbol set for `RequireSymbols`.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Checks `password` against `policy`; errors are what Cognito returns for SignUp,
/// ChangePassword, ConfirmForgotPassword and AdminSetUserPassword.
pub fn check(password: &str, policy: &PasswordPolicy) -> Result<(), AuthError> {
    if password.is_empty() {
        return Err(AuthError::missing("password"));
    }
    if password.chars().count() > 256 {
        return Err(AuthError::InvalidParameter(
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256".into(),
        ));
    }
    if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
        return Err(AuthError::InvalidParameter(
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$".into(),
        ));
    }
    let fail = |what: &str| Err(AuthError::InvalidPassword(format!("Password did not conform with policy: {what}")));
    if (password.chars().count() as u32) < policy.min_length.max(6) {
        return fail("Password not long enough");
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c) && c != ' ') {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: &str) -> String {
        check(p, &PasswordPolicy::default()).unwrap_err().message()
    }

    #[test]
    fn amplify_default_policy() {
        assert!(check("Passw0rd!", &PasswordPolicy::default()).is_ok());
        assert_eq!(err("Pa0!"), "Password did not conform with policy: Password not long enough");
        assert_eq!(err("PASSW0RD!"), "Password did not conform with policy: Password must have lowercase characters");
        assert_eq!(err("passw0rd!"), "Password did not conform with policy: Password must have uppercase characters");
        assert_eq!(err("Password!"), "Password did not conform with policy: Password must have numeric characters");
        assert_eq!(err("Passw0rdd"), "Password did not conform with policy: Password must have symbol characters");
        assert_eq!(check("", &PasswordPolicy::default()).unwrap_err().code(), "InvalidParameterException");
        assert_eq!(check(" Passw0rd!", &PasswordPolicy::default()).unwrap_err().code(), "InvalidParameterException");
        assert_eq!(check("Passw0rd!", &PasswordPolicy::default()).ok(), Some(()));
    }

    #[test]
    fn relaxed_policy() {
        let p = PasswordPolicy { min_length: 6, require_lowercase: false, require_uppercase: false, require_numbers: false, require_symbols: false };
        assert!(check("abcdef", &p).is_ok());
        assert!(check("abcde", &p).is_err());
    }
}
