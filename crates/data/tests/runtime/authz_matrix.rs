//! The authorization matrix: every rule kind of the test project × caller (API key, identity-pool
//! guest, user A who owns the records, user B, an ADMINS member, the sandbox's admin IAM
//! credentials) × operation. Expectations are written from the rules' meaning in
//! `conformance/projects/data-models/amplify/data/resource.ts`, not from our output.

use serde_json::json;

use crate::both;
use crate::harness::{Api, Db};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    ApiKey,
    Guest,
    Alice,
    Bob,
    Admin,
    AdminIam,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Allow,
    Deny,
    /// A list that succeeds without the record.
    Hidden,
}
use Want::*;

const WHO: [Who; 6] = [Who::ApiKey, Who::Guest, Who::Alice, Who::Bob, Who::Admin, Who::AdminIam];
const OPS: [&str; 5] = ["create", "get", "list", "update", "delete"];

/// What the rules say: `(model, caller, op)` → outcome. Records under test belong to Alice (and,
/// for Board, to the ADMINS team).
fn expected(model: &str, who: Who, op: &str) -> Want {
    use Who::*;
    let read = op == "get" || op == "list";
    // Owner-style rules: lists succeed without others' records; single-record operations fail.
    let hidden = || if op == "list" { Hidden } else { Deny };
    if who == AdminIam {
        return Allow;
    }
    match (model, who) {
        // Schema-level allow.publicApiKey().
        ("Todo", ApiKey) => Allow,
        ("Todo", _) => Deny,
        // allow.owner(), allow.publicApiKey().to(['read']).
        ("Note", ApiKey) => if read { Allow } else { Deny },
        ("Note", Alice) => Allow,
        ("Note", Bob | Admin) => if op == "create" { Allow } else { hidden() },
        ("Note", Guest) => Deny,
        // allow.owner(), allow.group('ADMINS').
        ("Draft", Alice | Admin) => Allow,
        ("Draft", Bob) => if op == "create" { Allow } else { hidden() },
        ("Draft", ApiKey | Guest) => Deny,
        // allow.authenticated().to(['read']), allow.owner(), allow.guest().to(['read']).
        ("Memo", Alice) => Allow,
        ("Memo", Bob | Admin) => if read || op == "create" { Allow } else { Deny },
        ("Memo", Guest) => if read { Allow } else { Deny },
        ("Memo", ApiKey) => Deny,
        // allow.ownersDefinedIn('editors').
        ("Doc", Alice) => Allow,
        ("Doc", Bob | Admin) => if op == "create" { Allow } else { hidden() },
        ("Doc", ApiKey | Guest) => Deny,
        // allow.groupDefinedIn('team'), allow.groupsDefinedIn('teams').to(['read']); the record's team is ADMINS.
        ("Board", Admin) => Allow,
        // No group claim: no auth filter can be built, so Amplify's resolvers refuse outright.
        ("Board", Alice | Bob) => Deny,
        ("Board", ApiKey | Guest) => Deny,
        _ => unreachable!("{model}"),
    }
}

both!(authorization_matrix, |db: Db| async move {
    let api = Api::start(db).await;
    let (alice, alice_owner) = api.user("alice@example.com", &[]).await;
    let (bob, _) = api.user("bob@example.com", &[]).await;
    let (admin, _) = api.user("admin@example.com", &["ADMINS"]).await;
    let guest = api.guest_credentials().await;
    let admin_iam = api.admin_credentials();
    let mut failures = Vec::new();
    let mut n = 0;
    for model in ["Todo", "Note", "Draft", "Memo", "Doc", "Board"] {
        for who in WHO {
            for op in OPS {
                // A fresh record owned by Alice / the ADMINS team for every check.
                let id = format!("{model}-{who:?}-{op}");
                let record = json!({ "id": id, "__typename": model, "text": "t", "content": "c", "owner": alice_owner,
                    "editors": [alice_owner], "team": "ADMINS", "teams": ["ADMINS"] });
                api.raw.put(model, &id, "", record, &store::Condition::None).await.unwrap();
                let (query, vars) = match op {
                    "create" => {
                        let input = match model {
                            "Todo" => json!({ "content": "new" }),
                            "Board" => json!({ "team": "ADMINS" }),
                            _ => json!({}),
                        };
                        (format!("mutation ($i: Create{model}Input!) {{ r: create{model}(input: $i) {{ id }} }}"), json!({ "i": input }))
                    }
                    "get" => (format!("query ($id: ID!) {{ r: get{model}(id: $id) {{ id }} }}"), json!({ "id": id })),
                    "list" => (format!("query ($f: Model{model}FilterInput) {{ r: list{model}s(filter: $f) {{ items {{ id }} }} }}"), json!({ "f": { "id": { "eq": id } } })),
                    "update" => (format!("mutation ($i: Update{model}Input!) {{ r: update{model}(input: $i) {{ id }} }}"), json!({ "i": { "id": id } })),
                    _ => (format!("mutation ($i: Delete{model}Input!) {{ r: delete{model}(input: $i) {{ id }} }}"), json!({ "i": { "id": id } })),
                };
                let v = match who {
                    Who::ApiKey => api.gql(&query, vars).await,
                    Who::Alice => api.as_user(&alice, &query, vars).await,
                    Who::Bob => api.as_user(&bob, &query, vars).await,
                    Who::Admin => api.as_user(&admin, &query, vars).await,
                    Who::Guest => api.as_iam(&guest, &query, vars).await,
                    Who::AdminIam => api.as_iam(&admin_iam, &query, vars).await,
                };
                let error = v["errors"][0]["errorType"].as_str();
                let got = match (error, op) {
                    (Some("Unauthorized"), _) => Deny,
                    (Some(_), _) => {
                        failures.push(format!("{model} {who:?} {op}: unexpected error {v}"));
                        continue;
                    }
                    (None, "list") if v["data"]["r"]["items"].as_array().is_some_and(|a| a.is_empty()) => Hidden,
                    (None, _) if v["data"]["r"].is_null() => Hidden,
                    (None, _) => Allow,
                };
                let want = expected(model, who, op);
                if got != want {
                    failures.push(format!("{model} {who:?} {op}: expected {want:?}, got {got:?}: {v}"));
                }
                n += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {n} cases wrong:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(n, 6 * 6 * 5);
    api.finish().await;
});
