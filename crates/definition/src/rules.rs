//! `allow.*` rule records → [`AuthRule`]s, with the provider defaults and the restrictions
//! Amplify applies per place (model, field, custom operation).

use serde_json::Value;

use crate::ir::{AuthProvider, AuthRule, AuthStrategy};
use crate::record::{bool_of, str_of, strings_of, Reader};

/// Where a rule list is attached; custom operations accept only static rules.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RuleTarget {
    Model,
    Field,
    Operation,
}

const OPERATIONS: &[&str] = &["create", "update", "delete", "read", "get", "list", "sync", "listen", "search"];

/// Converts a JSON array of rule records. Invalid rules are reported and skipped.
pub fn convert_rules(reader: &mut Reader, rules: &Value, target: RuleTarget) -> Vec<AuthRule> {
    let mut out = Vec::new();
    for rule in rules.as_array().into_iter().flatten() {
        if let Some(r) = convert_rule(reader, rule, target) {
            out.push(r);
        }
    }
    out
}

fn convert_rule(reader: &mut Reader, rule: &Value, target: RuleTarget) -> Option<AuthRule> {
    let strategy = match str_of(rule, "strategy") {
        Some("public") => AuthStrategy::Public,
        Some("private") => AuthStrategy::Private,
        Some("owner") => AuthStrategy::Owner,
        Some("groups") => AuthStrategy::Groups,
        Some("custom") => AuthStrategy::Custom,
        Some("resource") => {
            reader.error(rule, "allow.resource() is only allowed in the schema-level .authorization() of a.schema()");
            return None;
        }
        other => {
            reader.error(rule, format!("not an authorization rule (strategy {other:?}): use the `allow` argument, e.g. allow.owner()"));
            return None;
        }
    };
    let field = str_of(rule, "groupOrOwnerField").map(str::to_string);
    let provider_name = str_of(rule, "provider");
    let provider = match (strategy, provider_name) {
        (AuthStrategy::Public, Some("identityPool") | Some("iam")) => AuthProvider::Iam,
        (AuthStrategy::Public, _) => AuthProvider::ApiKey,
        (AuthStrategy::Custom, None | Some("function")) => AuthProvider::Function,
        (_, None | Some("userPools")) => AuthProvider::UserPools,
        (AuthStrategy::Private, Some("identityPool") | Some("iam")) => AuthProvider::Iam,
        (_, Some("oidc")) => AuthProvider::Oidc,
        (_, Some(p)) => {
            reader.error(rule, format!("provider `{p}` cannot be used with this rule"));
            return None;
        }
    };
    let dynamic = field.is_some() && matches!(strategy, AuthStrategy::Owner | AuthStrategy::Groups);
    if target == RuleTarget::Operation && (strategy == AuthStrategy::Owner || dynamic) {
        let what = if strategy == AuthStrategy::Owner { "owner rules (allow.owner, allow.ownerDefinedIn, allow.ownersDefinedIn)" } else { "dynamic group rules (allow.groupDefinedIn, allow.groupsDefinedIn)" };
        reader.error(rule, format!("{what} are not supported on custom queries, mutations and subscriptions: there is no record to own; use allow.authenticated() or allow.group(...)"));
        return None;
    }
    let operations = rule.get("operations").filter(|v| !v.is_null()).map(|_| strings_of(rule, "operations"));
    if let Some(ops) = &operations {
        for op in ops {
            if !OPERATIONS.contains(&op.as_str()) {
                reader.error(rule, format!("unknown operation `{op}` in .to([...]); expected one of {}", OPERATIONS.join(", ")));
            }
        }
    }
    Some(AuthRule {
        strategy,
        provider,
        provider_written: str_of(rule, "providerWritten").or(provider_name).map(str::to_string),
        operations,
        field,
        multi: bool_of(rule, "multiOwner"),
        groups: strings_of(rule, "groups"),
        identity_claim: str_of(rule, "identityClaim").map(str::to_string),
        group_claim: str_of(rule, "groupClaim").map(str::to_string),
    })
}
