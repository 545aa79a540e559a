//! Cognito Lambda triggers from `defineAuth({ triggers: { ... } })`, run through the context's
//! function runtime with Cognito's event shapes (`version`, `triggerSource`, `request`,
//! `response`) and its error contract: a trigger that throws fails the operation with
//! `UserLambdaValidationException` ("PreSignUp failed with error <message>."), one that cannot
//! run with `UnexpectedLambdaException`.
//!
//! The request's `ClientMetadata` is kept in a task-local for the whole operation
//! ([`with_client_metadata`]), so every trigger an operation runs sees it as Cognito passes it.

use context::InvokeError;
use serde_json::{json, Map, Value};

use crate::error::AuthError;
use crate::pool::Pool;
use crate::users::User;

/// The trigger name in `defineAuth` and the name Cognito uses in its error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreTokenGeneration,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    CustomMessage,
    UserMigration,
}

impl Trigger {
    fn key(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "preSignUp",
            Trigger::PostConfirmation => "postConfirmation",
            Trigger::PreTokenGeneration => "preTokenGeneration",
            Trigger::PreAuthentication => "preAuthentication",
            Trigger::PostAuthentication => "postAuthentication",
            Trigger::DefineAuthChallenge => "defineAuthChallenge",
            Trigger::CreateAuthChallenge => "createAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "verifyAuthChallengeResponse",
            Trigger::CustomMessage => "customMessage",
            Trigger::UserMigration => "userMigration",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
        }
    }
}

/// Whether the backend configures `trigger`.
pub fn configured(pool: &Pool, trigger: Trigger) -> bool {
    pool.backend.auth.as_ref().is_some_and(|a| a.triggers.contains_key(trigger.key()))
}

tokio::task_local! {
    static CLIENT_METADATA: Value;
}

/// Runs `op` with the request's `ClientMetadata` visible to the triggers it runs.
pub async fn with_client_metadata<F: std::future::Future>(req: &Value, op: F) -> F::Output {
    let meta = match req.get("ClientMetadata") {
        Some(m @ Value::Object(_)) => m.clone(),
        _ => json!({}),
    };
    CLIENT_METADATA.scope(meta, op).await
}

/// The current request's `ClientMetadata` (`{}` when it sent none).
pub fn client_metadata() -> Value {
    CLIENT_METADATA.try_with(Value::clone).unwrap_or_else(|_| json!({}))
}

/// The user's attributes as Cognito puts them in `request.userAttributes`.
pub fn user_attributes(user: &User) -> Map<String, Value> {
    let mut attrs: Map<String, Value> = user.attributes.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    attrs.insert("sub".into(), json!(user.sub));
    attrs.insert("cognito:user_status".into(), json!(user.status.as_str()));
    attrs
}

/// Runs `trigger` if the backend configures one: `Ok(None)` when it does not, else the
/// `response` object the function returned (an empty object when it returned none).
pub async fn run(pool: &Pool, trigger: Trigger, source: &str, username: &str, request: Value) -> Result<Option<Map<String, Value>>, AuthError> {
    run_version(pool, trigger, "1", source, username, request).await
}

/// [`run`] with the event `version` given (pre token generation V2 sends `"2"`).
pub async fn run_version(pool: &Pool, trigger: Trigger, version: &str, source: &str, username: &str, request: Value) -> Result<Option<Map<String, Value>>, AuthError> {
    let Some(function) = pool.auth()?.triggers.get(trigger.key()).cloned() else { return Ok(None) };
    let event = json!({
        "version": version,
        "region": pool.ctx.ids.region,
        "userPoolId": pool.id(),
        "userName": username,
        "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": pool.client_id() },
        "triggerSource": source,
        "request": request,
        "response": {},
    });
    match pool.ctx.functions.invoke(&function, event).await {
        Ok(Value::Object(out)) => match out.get("response") {
            None | Some(Value::Null) => Ok(Some(Map::new())),
            Some(Value::Object(r)) => Ok(Some(r.clone())),
            Some(_) => Err(AuthError::InvalidLambdaResponse(format!("Invalid lambda response from {}: response must be an object", trigger.title()))),
        },
        // Cognito requires the handler to return the event; `undefined` is a bad response.
        Ok(_) => Err(AuthError::InvalidLambdaResponse(format!("Invalid {} lambda response: the function must return the event", trigger.title()))),
        Err(InvokeError::Failed { message, .. }) => Err(AuthError::UserLambdaValidation(format!("{} failed with error {message}.", trigger.title()))),
        Err(e) => Err(AuthError::UnexpectedLambda(format!("{} invocation failed: {e}", trigger.title()))),
    }
}

/// `response.<name>` as a boolean (absent or null → false).
pub fn flag(response: &Map<String, Value>, name: &str) -> bool {
    response.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// Applies a V1 pre token generation response (`claimsOverrideDetails`) to the id token claims
/// and both tokens' groups. Claims Cognito owns cannot be overridden, as in Cognito.
pub fn apply_claims_override(response: &Map<String, Value>, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
    const RESERVED: &[&str] = &["sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "jti", "origin_jti", "event_id", "cognito:username", "nonce", "at_hash", "acr", "amr", "azp"];
    let Some(details) = response.get("claimsOverrideDetails").and_then(Value::as_object) else { return };
    if let Some(add) = details.get("claimsToAddOrOverride").and_then(Value::as_object) {
        for (k, v) in add.iter().filter(|(k, _)| !RESERVED.contains(&k.as_str())) {
            id.insert(k.clone(), v.clone());
        }
    }
    if let Some(suppress) = details.get("claimsToSuppress").and_then(Value::as_array) {
        for k in suppress.iter().filter_map(Value::as_str).filter(|k| !RESERVED.contains(k)) {
            id.remove(k);
        }
    }
    override_groups(details, id, access);
}

/// Claims Cognito owns in an access token: a V2 response cannot add, change or remove them
/// (`scope` changes only through `scopesToAdd` / `scopesToSuppress`).
const ACCESS_RESERVED: &[&str] = &[
    "sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username", "device_key", "aud", "acr", "amr",
    "azp", "nbf", "nonce", "at_hash", "identities", "cognito:username", "cognito:groups",
];
/// Claims Cognito owns in an id token.
const ID_RESERVED: &[&str] = &["sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "jti", "origin_jti", "event_id", "cognito:username", "nonce", "at_hash", "acr", "amr", "azp", "cognito:groups"];

/// Applies a V2 pre token generation response (`claimsAndScopeOverrideDetails`): claims added or
/// suppressed in each token, scopes added to or removed from the access token, and the groups.
pub fn apply_claims_and_scope_override(response: &Map<String, Value>, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
    let Some(details) = response.get("claimsAndScopeOverrideDetails").and_then(Value::as_object) else { return };
    for (key, claims, reserved) in [("idTokenGeneration", &mut *id, ID_RESERVED), ("accessTokenGeneration", &mut *access, ACCESS_RESERVED)] {
        let Some(generation) = details.get(key) else { continue };
        if let Some(add) = generation.get("claimsToAddOrOverride").and_then(Value::as_object) {
            for (k, v) in add.iter().filter(|(k, _)| !reserved.contains(&k.as_str())) {
                claims.insert(k.clone(), v.clone());
            }
        }
        for k in generation.get("claimsToSuppress").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !reserved.contains(&k) {
                claims.remove(k);
            }
        }
    }
    if let Some(generation) = details.get("accessTokenGeneration") {
        let mut scopes: Vec<String> = access.get("scope").and_then(Value::as_str).unwrap_or_default().split_whitespace().map(String::from).collect();
        for s in generation.get("scopesToAdd").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !scopes.iter().any(|x| x == s) {
                scopes.push(s.to_string());
            }
        }
        let suppress: Vec<&str> = generation.get("scopesToSuppress").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        scopes.retain(|s| !suppress.contains(&s.as_str()));
        access.insert("scope".into(), json!(scopes.join(" ")));
    }
    override_groups(details, id, access);
}

/// `groupOverrideDetails.groupsToOverride` replaces `cognito:groups` in both tokens.
fn override_groups(details: &Map<String, Value>, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
    if let Some(groups) = details.get("groupOverrideDetails").and_then(|g| g.get("groupsToOverride")).and_then(Value::as_array) {
        for claims in [id, access] {
            if groups.is_empty() {
                claims.remove("cognito:groups");
            } else {
                claims.insert("cognito:groups".into(), Value::Array(groups.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_override_adds_suppresses_and_regroups_but_keeps_reserved_claims() {
        let mut id = json!({"sub": "s", "email": "a@b.c", "nickname": "n", "cognito:groups": ["A"]}).as_object().unwrap().clone();
        let mut access = json!({"sub": "s", "cognito:groups": ["A"]}).as_object().unwrap().clone();
        let response = json!({"claimsOverrideDetails": {
            "claimsToAddOrOverride": {"tier": "gold", "sub": "evil"},
            "claimsToSuppress": ["nickname", "iss"],
            "groupOverrideDetails": {"groupsToOverride": ["B", "C"]},
        }});
        apply_claims_override(response.as_object().unwrap(), &mut id, &mut access);
        assert_eq!(id["tier"], "gold");
        assert_eq!(id["sub"], "s");
        assert!(!id.contains_key("nickname"));
        assert_eq!(id["cognito:groups"], json!(["B", "C"]));
        assert_eq!(access["cognito:groups"], json!(["B", "C"]));
    }

    #[test]
    fn v2_override_shapes_both_tokens_and_the_scopes() {
        let mut id = json!({"sub": "s", "email": "a@b.c", "nickname": "n"}).as_object().unwrap().clone();
        let mut access = json!({"sub": "s", "scope": "aws.cognito.signin.user.admin", "username": "u"}).as_object().unwrap().clone();
        let response = json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}, "claimsToSuppress": ["nickname"]},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": "t1", "username": "evil"},
                "claimsToSuppress": ["sub"],
                "scopesToAdd": ["todo/read", "todo/write"],
                "scopesToSuppress": ["aws.cognito.signin.user.admin"],
            },
            "groupOverrideDetails": {"groupsToOverride": []},
        }});
        apply_claims_and_scope_override(response.as_object().unwrap(), &mut id, &mut access);
        assert_eq!(id["tier"], "gold");
        assert!(!id.contains_key("nickname"));
        assert_eq!(access["tenant"], "t1");
        assert_eq!(access["username"], "u", "Cognito's own claims stay");
        assert_eq!(access["sub"], "s");
        assert_eq!(access["scope"], "todo/read todo/write");
        assert!(!access.contains_key("tier"), "id claims stay in the id token");
    }
}
