//! CUSTOM_AUTH: Cognito's custom authentication flow, run by the `defineAuthChallenge`,
//! `createAuthChallenge` and `verifyAuthChallengeResponse` triggers.
//!
//! The loop, as in Cognito: defineAuthChallenge sees the challenges so far (`request.session`)
//! and answers `issueTokens`, `failAuthentication` or the next `challengeName`. A
//! CUSTOM_CHALLENGE is made by createAuthChallenge: its `publicChallengeParameters` go to the
//! client as `ChallengeParameters`, its `privateChallengeParameters` and `challengeMetadata` stay
//! here with the challenge (stored under its single-use `Session`, 3 minutes). The client's
//! `ANSWER` goes to verifyAuthChallengeResponse, whose `answerCorrect` joins the session before
//! defineAuthChallenge is asked again.
//!
//! With `CHALLENGE_NAME=SRP_A` in the AuthParameters (the client's CUSTOM_WITH_SRP) the session
//! starts with `SRP_A`; when defineAuthChallenge asks for PASSWORD_VERIFIER the client proves
//! its password by SRP first (a wrong password fails at once, as in Cognito) and the loop goes
//! on with `PASSWORD_VERIFIER: true`. Only that password step brings MFA in, as in Cognito: a
//! user with MFA is challenged for it right after the password, and a passwordless custom flow
//! never asks for MFA.
//!
//! Unknown users are not revealed (Amplify sets PreventUserExistenceErrors): the triggers run
//! with `userNotFound: true` and the flow can only end in "Incorrect username or password.".

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::signin::{complete_sign_in, finish, save_challenge, Challenge};
use crate::error::AuthError;
use crate::pool::Pool;
use crate::triggers::{self, Trigger};
use crate::users::{self, User, UserStatus};

/// Where a custom sign-in stands between two requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Flow {
    /// The name the client signs in with (the events' `userName` for an unknown user).
    pub login: String,
    /// The user's `sub`; empty for a user that does not exist.
    pub sub: String,
    /// `request.session`: each challenge so far with its result, oldest first.
    pub session: Vec<Value>,
}

fn not_configured() -> AuthError {
    AuthError::InvalidParameter("Custom auth lambda trigger is not configured for the user pool.".into())
}

/// InitiateAuth with `AuthFlow=CUSTOM_AUTH`.
pub async fn initiate(pool: &Pool, p: &Map<String, Value>) -> Result<Value, AuthError> {
    if ![Trigger::DefineAuthChallenge, Trigger::CreateAuthChallenge, Trigger::VerifyAuthChallengeResponse].iter().all(|t| triggers::configured(pool, *t)) {
        return Err(not_configured());
    }
    let login = p.get("USERNAME").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| AuthError::InvalidParameter("Missing required parameter USERNAME".into()))?;
    let user = users::find(pool, login).await?;
    let mut flow = Flow { login: login.to_string(), sub: user.as_ref().map(|u| u.sub.clone()).unwrap_or_default(), session: vec![] };
    match p.get("CHALLENGE_NAME").and_then(Value::as_str) {
        Some("SRP_A") => {
            let a = p.get("SRP_A").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| AuthError::InvalidParameter("Missing required parameter SRP_A".into()))?;
            // As in Cognito, preAuthentication runs only where a password is checked.
            super::hooks::pre_authentication(pool, user.as_ref(), login).await?;
            flow.session.push(json!({ "challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null }));
            next(pool, flow, user, Some(a)).await
        }
        None | Some("CUSTOM_CHALLENGE") => next(pool, flow, user, None).await,
        Some(other) => Err(AuthError::InvalidParameter(format!("Invalid CHALLENGE_NAME {other}: expected SRP_A or CUSTOM_CHALLENGE"))),
    }
}

/// Asks defineAuthChallenge what comes next and does it. `srp_a` is the client's SRP `A` while
/// a PASSWORD_VERIFIER may still be asked for (right after `SRP_A`).
async fn next(pool: &Pool, flow: Flow, user: Option<User>, srp_a: Option<&str>) -> Result<Value, AuthError> {
    let username = user.as_ref().map(|u| u.username.clone()).unwrap_or_else(|| flow.login.clone());
    let request = json!({
        "userAttributes": user.as_ref().map(triggers::user_attributes).unwrap_or_default(),
        "session": flow.session,
        "clientMetadata": triggers::client_metadata(),
        "userNotFound": user.is_none(),
    });
    let resp = triggers::run(pool, Trigger::DefineAuthChallenge, "DefineAuthChallenge_Authentication", &username, request).await?.ok_or_else(not_configured)?;
    if triggers::flag(&resp, "failAuthentication") {
        return Err(AuthError::bad_credentials());
    }
    if triggers::flag(&resp, "issueTokens") {
        let Some(user) = user else { return Err(AuthError::bad_credentials()) };
        // Custom challenges replace the password, and with it MFA (as in Cognito).
        if user.status == UserStatus::Confirmed && user.enabled {
            return finish(pool, &user, None, None).await;
        }
        return complete_sign_in(pool, &user, None, None).await;
    }
    match resp.get("challengeName").and_then(Value::as_str) {
        Some("CUSTOM_CHALLENGE") => create(pool, flow, user, &username).await,
        Some("PASSWORD_VERIFIER") if srp_a.is_some() => {
            let state = serde_json::to_value(&flow).map_err(|e| AuthError::Internal(e.to_string()))?;
            super::signin::srp_start(pool, &flow.login, srp_a.unwrap_or_default(), Some(state)).await
        }
        Some(other) => Err(AuthError::InvalidLambdaResponse(format!("Invalid challenge name {other} returned by DefineAuthChallenge."))),
        None => Err(AuthError::InvalidLambdaResponse("DefineAuthChallenge returned no challengeName and neither issueTokens nor failAuthentication.".into())),
    }
}

/// createAuthChallenge, then the CUSTOM_CHALLENGE answer to the client.
async fn create(pool: &Pool, flow: Flow, user: Option<User>, username: &str) -> Result<Value, AuthError> {
    let request = json!({
        "userAttributes": user.as_ref().map(triggers::user_attributes).unwrap_or_default(),
        "challengeName": "CUSTOM_CHALLENGE",
        "session": flow.session,
        "clientMetadata": triggers::client_metadata(),
        "userNotFound": user.is_none(),
    });
    let resp = triggers::run(pool, Trigger::CreateAuthChallenge, "CreateAuthChallenge_Authentication", username, request).await?.ok_or_else(not_configured)?;
    let public = string_map(resp.get("publicChallengeParameters"), "publicChallengeParameters")?;
    let private = string_map(resp.get("privateChallengeParameters"), "privateChallengeParameters")?;
    let metadata = match resp.get("challengeMetadata") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => json!(s),
        Some(_) => return Err(AuthError::InvalidLambdaResponse("Invalid lambda response from CreateAuthChallenge: challengeMetadata must be a string".into())),
    };
    let data = json!({ "flow": flow, "private": private, "metadata": metadata });
    let session = save_challenge(pool, "CUSTOM_CHALLENGE", &flow.sub, username, data).await?;
    let mut params = public;
    params.entry("USERNAME").or_insert_with(|| json!(username));
    Ok(json!({ "ChallengeName": "CUSTOM_CHALLENGE", "Session": session, "ChallengeParameters": params }))
}

/// `{name: string}` from a trigger response; scalars become strings (Cognito's parameters are
/// string maps), anything else is an invalid response.
fn string_map(v: Option<&Value>, what: &str) -> Result<Map<String, Value>, AuthError> {
    let mut out = Map::new();
    let Some(Value::Object(m)) = v else { return Ok(out) };
    for (k, v) in m {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            _ => return Err(AuthError::InvalidLambdaResponse(format!("Invalid lambda response from CreateAuthChallenge: {what}.{k} must be a string"))),
        };
        out.insert(k.clone(), json!(s));
    }
    Ok(out)
}

/// RespondToAuthChallenge CUSTOM_CHALLENGE: verifyAuthChallengeResponse on the `ANSWER`, then
/// defineAuthChallenge again with the grown session.
pub async fn answer(pool: &Pool, ch: &Challenge, r: &Map<String, Value>) -> Result<Value, AuthError> {
    let answer = r.get("ANSWER").and_then(Value::as_str).ok_or_else(|| AuthError::InvalidParameter("Missing required parameter ANSWER".into()))?;
    let mut flow: Flow = serde_json::from_value(ch.data.get("flow").cloned().unwrap_or(Value::Null)).map_err(|e| AuthError::Internal(format!("corrupt challenge: {e}")))?;
    let user = current_user(pool, &flow).await?;
    let username = user.as_ref().map(|u| u.username.clone()).unwrap_or_else(|| flow.login.clone());
    let request = json!({
        "userAttributes": user.as_ref().map(triggers::user_attributes).unwrap_or_default(),
        "privateChallengeParameters": ch.data.get("private").cloned().unwrap_or(json!({})),
        "challengeAnswer": answer,
        "clientMetadata": triggers::client_metadata(),
        "userNotFound": user.is_none(),
    });
    let resp = triggers::run(pool, Trigger::VerifyAuthChallengeResponse, "VerifyAuthChallengeResponse_Authentication", &username, request).await?.ok_or_else(not_configured)?;
    let correct = triggers::flag(&resp, "answerCorrect");
    flow.session.push(json!({ "challengeName": "CUSTOM_CHALLENGE", "challengeResult": correct, "challengeMetadata": ch.data.get("metadata").cloned().unwrap_or(Value::Null) }));
    next(pool, flow, user, None).await
}

/// After a correct PASSWORD_VERIFIER in a custom flow (`state` is the [`Flow`] the sealed
/// session carried): MFA when the user has it, else defineAuthChallenge with the result.
pub async fn after_password(pool: &Pool, state: &Value, user: &User) -> Result<Value, AuthError> {
    let mut flow: Flow = serde_json::from_value(state.clone()).map_err(|e| AuthError::Internal(format!("corrupt session: {e}")))?;
    if super::mfa::needs_challenge(pool, user) {
        return complete_sign_in(pool, user, None, None).await;
    }
    flow.session.push(json!({ "challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null }));
    next(pool, flow, Some(user.clone()), None).await
}

/// The flow's user as it is now (attributes may have changed between steps).
async fn current_user(pool: &Pool, flow: &Flow) -> Result<Option<User>, AuthError> {
    if flow.sub.is_empty() {
        return Ok(None);
    }
    Ok(users::get(pool, &flow.sub).await?.map(|(u, _)| u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters_are_strings() {
        let m = string_map(Some(&json!({ "q": "six times seven?", "n": 3, "b": true, "skip": null })), "publicChallengeParameters").unwrap();
        assert_eq!(Value::Object(m), json!({ "q": "six times seven?", "n": "3", "b": "true" }));
        assert!(matches!(string_map(Some(&json!({ "o": { "x": 1 } })), "p"), Err(AuthError::InvalidLambdaResponse(_))));
        assert!(string_map(None, "p").unwrap().is_empty());
    }
}
