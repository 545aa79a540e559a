//! Amplify's storage access rules, evaluated the way the IAM policies Amplify generates would be.
//!
//! `defineStorage({ access })` becomes, per identity-pool role (guest, authenticated, one per
//! user-pool group, one per function), allow lists of path patterns per action, where
//! `{entity_id}` is the caller's identity id for `allow.entity('identity')`, and other grants on
//! `a/{entity_id}/*` cover `a/*` (as in the `paths` the real tooling writes to the outputs). A path nested under another path is denied ("deny by default") to every role that holds
//! an action on the parent but was not granted that action on the sub-path itself, so the most
//! specific path decides. `read` is `get` + `list`; `list` is checked against the request's
//! prefix (`path/*` and `path/`), like the `s3:prefix` condition. Everything else is denied.
//!
//! Like Cognito's token-based role mapping, a user in a user-pool group acts with the role of
//! their first group (in declaration order, which is Amplify's precedence) instead of the
//! authenticated role.

use auth::credentials::{Caller, CallerKind};
use definition::ir::{Backend, Bucket, StorageGrantee};

/// What a request does to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Get,
    List,
    Write,
    Delete,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::List => "list",
            Action::Write => "write",
            Action::Delete => "delete",
        }
    }
}

const OWNER: &str = "${cognito-identity.amazonaws.com:sub}";
const ENTITY: &str = "{entity_id}";

/// The role the identity pool would give `caller`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Admin,
    Guest,
    Authenticated,
    Group(String),
    /// A function's execution role: what `allow.resource(fn)` grants it.
    Function(String),
}

pub fn role_of(caller: &Caller, backend: &Backend) -> Role {
    match caller.kind {
        CallerKind::Admin => Role::Admin,
        CallerKind::Function => Role::Function(caller.function.clone().unwrap_or_default()),
        CallerKind::Guest => Role::Guest,
        CallerKind::Authenticated => {
            let declared = backend.auth.as_ref().map(|a| a.groups.as_slice()).unwrap_or(&[]);
            match declared.iter().find(|g| caller.groups.contains(g)) {
                Some(g) => Role::Group(g.clone()),
                None => Role::Authenticated,
            }
        }
    }
}

/// One role's allow and deny patterns for one action.
#[derive(Debug, Default, Clone)]
struct Grants {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// The effective policy of one role on one bucket.
#[derive(Debug, Clone)]
pub struct Policy {
    admin: bool,
    identity_id: String,
    get: Grants,
    list: Grants,
    write: Grants,
    delete: Grants,
}

fn holds(grantee: &StorageGrantee, role: &Role) -> bool {
    match (grantee, role) {
        (StorageGrantee::Guest, Role::Guest) => true,
        (StorageGrantee::Authenticated | StorageGrantee::Entity { .. }, Role::Authenticated) => true,
        (StorageGrantee::Groups { groups }, Role::Group(g)) => groups.contains(g),
        (StorageGrantee::Resource { function }, Role::Function(f)) => function == f,
        _ => false,
    }
}

fn expand(actions: &[String]) -> Vec<Action> {
    let mut out = Vec::new();
    for a in actions {
        let add: &[Action] = match a.as_str() {
            "read" => &[Action::Get, Action::List],
            "get" => &[Action::Get],
            "list" => &[Action::List],
            "write" => &[Action::Write],
            "delete" => &[Action::Delete],
            _ => &[],
        };
        out.extend_from_slice(add);
    }
    out
}

impl Policy {
    pub fn new(bucket: &Bucket, role: &Role, identity_id: &str) -> Policy {
        let mut p = Policy {
            admin: *role == Role::Admin,
            identity_id: identity_id.to_string(),
            get: Grants::default(),
            list: Grants::default(),
            write: Grants::default(),
            delete: Grants::default(),
        };
        if p.admin {
            return p;
        }
        // Every path as each grantee sees it, in declaration order (the set deny-by-default walks).
        let mut all_paths: Vec<String> = Vec::new();
        for pa in &bucket.access {
            for rule in &pa.rules {
                let path = substitute(&pa.path, &rule.grantee);
                if !all_paths.contains(&path) {
                    all_paths.push(path.clone());
                }
                if holds(&rule.grantee, role) {
                    for a in expand(&rule.actions) {
                        let g = p.grants_mut(a);
                        if !g.allow.contains(&path) {
                            g.allow.push(path.clone());
                        }
                    }
                }
            }
        }
        for sub in &all_paths {
            let Some(parent) = all_paths.iter().find(|p| *p != sub && sub.starts_with(&p.replace('*', ""))) else {
                continue;
            };
            for a in [Action::Get, Action::List, Action::Write, Action::Delete] {
                let g = p.grants_mut(a);
                if g.allow.contains(parent) && !g.allow.contains(sub) && !g.deny.contains(sub) {
                    g.deny.push(sub.clone());
                }
            }
        }
        p
    }

    fn grants_mut(&mut self, a: Action) -> &mut Grants {
        match a {
            Action::Get => &mut self.get,
            Action::List => &mut self.list,
            Action::Write => &mut self.write,
            Action::Delete => &mut self.delete,
        }
    }

    fn grants(&self, a: Action) -> &Grants {
        match a {
            Action::Get => &self.get,
            Action::List => &self.list,
            Action::Write => &self.write,
            Action::Delete => &self.delete,
        }
    }

    fn pattern(&self, p: &str) -> String {
        p.replace(OWNER, &self.identity_id)
    }

    /// May the caller do `action` on `key` (for `List`, `key` is the listing prefix)?
    pub fn allows(&self, action: Action, key: &str) -> bool {
        if self.admin {
            return true;
        }
        let g = self.grants(action);
        let matches = |p: &String| {
            let pat = self.pattern(p);
            if action == Action::List {
                // The `s3:prefix` condition Amplify writes: `path/*` and `path/`.
                glob(&pat, key) || glob(pat.strip_suffix('*').unwrap_or(&pat), key)
            } else {
                glob(&pat, key)
            }
        };
        g.allow.iter().any(matches) && !g.deny.iter().any(matches)
    }

    /// Whether any rule grants the caller anything at all (for a clearer denial message).
    pub fn describe_denial(&self, action: Action, key: &str) -> String {
        format!("Access Denied: this identity may not {} {key:?}", action.name())
    }
}

/// The path as Amplify writes it into the grantee's policy.
fn substitute(path: &str, grantee: &StorageGrantee) -> String {
    match grantee {
        StorageGrantee::Entity { .. } => path.replace(ENTITY, OWNER),
        // As the real tooling writes it: a non-entity grant on `a/{entity_id}/*` covers `a/*`.
        _ => path.replace(&format!("{ENTITY}/"), "").replace(ENTITY, "*"),
    }
}

/// IAM `StringLike`/resource matching: `*` is any run of characters (slashes included), `?` one.
pub fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use definition::ir::{PathAccess, StorageRule};

    fn rule(g: StorageGrantee, actions: &[&str]) -> StorageRule {
        StorageRule {
            grantee: g,
            actions: actions.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn bucket() -> Bucket {
        Bucket {
            name: "b".into(),
            is_default: true,
            access: vec![
                PathAccess {
                    path: "profile-pictures/{entity_id}/*".into(),
                    rules: vec![
                        rule(StorageGrantee::Guest, &["read"]),
                        rule(StorageGrantee::Entity { entity: "identity".into() }, &["read", "write", "delete"]),
                    ],
                },
                PathAccess {
                    path: "media/*".into(),
                    rules: vec![
                        rule(StorageGrantee::Authenticated, &["read", "write"]),
                        rule(StorageGrantee::Groups { groups: vec!["ADMINS".into()] }, &["read", "write", "delete"]),
                    ],
                },
                PathAccess {
                    path: "media/private/*".into(),
                    rules: vec![rule(StorageGrantee::Groups { groups: vec!["ADMINS".into()] }, &["read"])],
                },
            ],
            triggers: Default::default(),
            notifications: vec![],
        }
    }

    #[test]
    fn entity_paths_belong_to_their_owner() {
        let b = bucket();
        let me = Policy::new(&b, &Role::Authenticated, "us-east-1:me");
        assert!(me.allows(Action::Write, "profile-pictures/us-east-1:me/a.png"));
        assert!(me.allows(Action::Get, "profile-pictures/us-east-1:me/a.png"));
        assert!(!me.allows(Action::Write, "profile-pictures/us-east-1:you/a.png"));
        assert!(!me.allows(Action::Get, "profile-pictures/us-east-1:you/a.png"));
        let guest = Policy::new(&b, &Role::Guest, "us-east-1:g");
        assert!(guest.allows(Action::Get, "profile-pictures/us-east-1:you/a.png"));
        assert!(guest.allows(Action::List, "profile-pictures/us-east-1:you/"));
        assert!(guest.allows(Action::List, "profile-pictures/"));
        assert!(!guest.allows(Action::Write, "profile-pictures/us-east-1:g/a.png"));
        assert!(!guest.allows(Action::Get, "media/x"));
    }

    #[test]
    fn nested_paths_deny_by_default() {
        let b = bucket();
        let user = Policy::new(&b, &Role::Authenticated, "id");
        assert!(user.allows(Action::Write, "media/a.txt"));
        assert!(!user.allows(Action::Delete, "media/a.txt"));
        assert!(!user.allows(Action::Get, "media/private/a.txt"), "sub-path without a grant is denied");
        assert!(!user.allows(Action::List, "media/private/"));
        assert!(user.allows(Action::List, "media/"));
        assert!(!user.allows(Action::List, ""));
        let admin = Policy::new(&b, &Role::Group("ADMINS".into()), "id");
        assert!(admin.allows(Action::Get, "media/private/a.txt"));
        assert!(!admin.allows(Action::Write, "media/private/a.txt"), "the sub-path grants read only");
        assert!(admin.allows(Action::Delete, "media/a.txt"));
        assert!(Policy::new(&b, &Role::Admin, "").allows(Action::Delete, "anything"));
    }

    #[test]
    fn globbing() {
        assert!(glob("a/*", "a/b/c"));
        assert!(glob("a/*/x", "a/b/c/x"));
        assert!(!glob("a/*", "b/a"));
        assert!(glob("a/", "a/"));
        assert!(glob("a?c", "abc"));
        assert!(glob("*", ""));
    }
}
