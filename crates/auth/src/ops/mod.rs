//! One handler per user-pool operation, grouped by concern, and what they share: code
//! delivery details and the messages (`message`).

mod custom;
mod device;
mod hooks;
mod message;
mod mfa;
mod password;
mod passwordless;
mod profile;
mod session;
mod signin;
mod signup;

use serde_json::{json, Value};

use crate::error::AuthError;
use crate::pool::Pool;
use crate::protocol::UserPoolOp;
use crate::users::{mask, User};

pub use message::{compose, send_code, Message, CODE as CODE_PLACEHOLDER, USERNAME as USERNAME_PLACEHOLDER};
pub use password::set_password;
pub use signin::{complete_sign_in, record_failure};

/// Runs one user-pool operation.
pub async fn dispatch(pool: &Pool, op: UserPoolOp, req: &Value) -> Result<Value, AuthError> {
    use UserPoolOp::*;
    match op {
        SignUp => signup::sign_up(pool, req).await,
        ConfirmSignUp => signup::confirm_sign_up(pool, req).await,
        ResendConfirmationCode => signup::resend_confirmation_code(pool, req).await,
        InitiateAuth => signin::initiate_auth(pool, req).await,
        RespondToAuthChallenge => signin::respond_to_auth_challenge(pool, req).await,
        GetTokensFromRefreshToken => session::get_tokens_from_refresh_token(pool, req).await,
        RevokeToken => session::revoke_token(pool, req).await,
        GlobalSignOut => session::global_sign_out(pool, req).await,
        GetUser => profile::get_user(pool, req).await,
        UpdateUserAttributes => profile::update_user_attributes(pool, req).await,
        DeleteUserAttributes => profile::delete_user_attributes(pool, req).await,
        GetUserAttributeVerificationCode => profile::get_user_attribute_verification_code(pool, req).await,
        VerifyUserAttribute => profile::verify_user_attribute(pool, req).await,
        DeleteUser => profile::delete_user(pool, req).await,
        ChangePassword => password::change_password(pool, req).await,
        ForgotPassword => password::forgot_password(pool, req).await,
        ConfirmForgotPassword => password::confirm_forgot_password(pool, req).await,
        AssociateSoftwareToken => mfa::associate_software_token(pool, req).await,
        VerifySoftwareToken => mfa::verify_software_token(pool, req).await,
        SetUserMFAPreference => mfa::set_user_mfa_preference(pool, req).await,
        ConfirmDevice => device::confirm_device(pool, req).await,
        GetDevice => device::get_device(pool, req).await,
        ListDevices => device::list_devices(pool, req).await,
        UpdateDeviceStatus => device::update_device_status(pool, req).await,
        ForgetDevice => device::forget_device(pool, req).await,
    }
}

/// Where a verification code for `attr` goes (`email` → EMAIL, `phone_number` → SMS).
pub fn delivery(attr: &str, address: &str) -> Value {
    json!({
        "AttributeName": attr,
        "DeliveryMedium": if attr == "phone_number" { "SMS" } else { "EMAIL" },
        "Destination": mask(address),
    })
}

/// The attribute sign-up verifies: Amplify auto-verifies its login mechanisms, and with both
/// email and phone Cognito sends the code by SMS when the user has a phone number, else by email.
pub fn signup_verification(pool: &Pool, user: &User) -> Option<(&'static str, String)> {
    let auth = pool.backend.auth.as_ref()?;
    let email = user.email().map(|e| ("email", e.to_string()));
    let phone = user.attr("phone_number").filter(|p| !p.is_empty()).map(|p| ("phone_number", p.to_string()));
    match (auth.login_with.email, auth.login_with.phone) {
        (true, true) => phone.or(email),
        (false, true) => phone,
        _ => email,
    }
}
