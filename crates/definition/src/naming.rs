//! Amplify's naming conventions that several places need (plural model names).

/// The plural Amplify uses for a model name (`Todo` → `Todos`), as the JS `pluralize` package
/// computes it; the transformer and the model introspection both rely on it.
pub fn plural(name: &str) -> String {
    pluralizer::pluralize(name, 2, false)
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
