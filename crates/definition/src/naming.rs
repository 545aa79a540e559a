//! Amplify's naming conventions that several places need (plural model names, default index
//! and query field names).

use crate::record::capitalize;

/// The plural Amplify uses for a model name (`Todo` → `Todos`), as the JS `pluralize` package
/// computes it; the transformer and the model introspection both rely on it.
pub fn plural(name: &str) -> String {
    pluralizer::pluralize(name, 2, false)
}

pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The transformer's default GSI name (and Gen 1 auto query field) when none is given:
/// `<models>By<Pk>And<Sk>...`, e.g. `collectionsByRepresentativeId`.
pub fn default_index_name(model: &str, pk: &str, sort_keys: &[String]) -> String {
    let keys: Vec<String> = std::iter::once(pk).chain(sort_keys.iter().map(String::as_str)).map(capitalize).collect();
    format!("{}By{}", lower_first(&plural(model)), keys.join("And"))
}

/// `list<Model>By<Pk>And<Sk>...`, the builder's default query field for an index.
pub fn default_query_field(model: &str, pk: &str, sort_keys: &[String]) -> String {
    let sk: String = sort_keys.iter().map(|s| format!("And{}", capitalize(s))).collect();
    format!("list{}By{}{}", capitalize(model), capitalize(pk), sk)
}

#[cfg(test)]
mod tests {
    #[test]
    fn plurals() {
        assert_eq!(super::plural("Todo"), "Todos");
        assert_eq!(super::plural("Collection"), "Collections");
        assert_eq!(super::plural("Person"), "People");
        assert_eq!(super::plural("Category"), "Categories");
    }
}
