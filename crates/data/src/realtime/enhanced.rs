//! AppSync's enhanced subscription filters: what a custom subscription's JS handler sets with
//! `extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(...))` (the seeds'
//! `receive.js`). The shape is `{filterGroup: [{filters: [{fieldName, operator, value}]}]}`:
//! groups are OR'ed, the filters of a group AND'ed. It is turned into the same [`Filter`] the
//! `filter` argument compiles to, so one matcher evaluates both.

use serde_json::{json, Map, Value};
use store::Filter;

use crate::runtime::error::DataError;
use crate::runtime::filter::to_filter;

/// The [`Filter`] of an enhanced subscription filter.
pub fn to_store_filter(v: &Value) -> Result<Filter, DataError> {
    let bad = || DataError::validation("the subscription filter set by the handler is not a filterGroup object");
    let groups = v.get("filterGroup").and_then(Value::as_array).ok_or_else(bad)?;
    let mut any = Vec::new();
    for g in groups {
        let filters = g.get("filters").and_then(Value::as_array).ok_or_else(bad)?;
        let mut all = Vec::new();
        for f in filters {
            let field = f.get("fieldName").and_then(Value::as_str).ok_or_else(bad)?;
            let op = f.get("operator").and_then(Value::as_str).ok_or_else(bad)?;
            let value = f.get("value").cloned().unwrap_or(Value::Null);
            let mut ops = Map::new();
            // `containsAny` (a list field holding any of the values) has no model-filter spelling.
            if op == "containsAny" {
                let values = value.as_array().cloned().unwrap_or_else(|| vec![value.clone()]);
                all.push(json!({ "or": values.into_iter().map(|v| json!({ field: { "contains": v } })).collect::<Vec<_>>() }));
                continue;
            }
            ops.insert(op.to_string(), value);
            all.push(json!({ field: ops }));
        }
        any.push(json!({ "and": all }));
    }
    to_filter(&json!({ "or": any }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::matcher::eval;

    #[test]
    fn groups_are_ored_and_filters_anded() {
        let f = to_store_filter(&json!({"filterGroup": [
            {"filters": [{"fieldName": "channelName", "operator": "beginsWith", "value": "wo"}, {"fieldName": "n", "operator": "gt", "value": 1}]},
            {"filters": [{"fieldName": "tags", "operator": "containsAny", "value": ["x", "y"]}]},
        ]}))
        .unwrap();
        assert!(eval(&f, &json!({"channelName": "world", "n": 2})));
        assert!(!eval(&f, &json!({"channelName": "world", "n": 1})));
        assert!(!eval(&f, &json!({"channelName": "other", "n": 5})));
        assert!(eval(&f, &json!({"channelName": "other", "tags": ["y"]})));
    }

    #[test]
    fn malformed_filters_are_errors() {
        assert!(to_store_filter(&json!({"filters": []})).is_err());
        assert!(to_store_filter(&json!({"filterGroup": [{"filters": [{"operator": "eq"}]}]})).is_err());
    }
}
