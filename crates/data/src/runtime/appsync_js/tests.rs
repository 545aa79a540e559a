//! Unit tests of the resolver engine and `@aws-appsync/utils`: each test writes a resolver file,
//! compiles it with the real engine and calls its functions.

use serde_json::{json, Value};
use store::{FieldPath, Filter, Op};

use super::engine::{call, compile};
use super::expr::{parse_condition, parse_update, Operand, Placeholders, SetValue, UpdateAction};

async fn run_js(source: &str, func: &'static str, ctx: Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resolver.js");
    std::fs::write(&path, source).unwrap();
    let code = compile(&path).await.unwrap();
    call(
        code,
        func,
        ctx.to_string(),
        json!({"authType": "API Key Authorization", "info": {"fieldName": "f", "parentTypeName": "Query"}}).to_string(),
    )
    .await
    .unwrap()
}

fn ctx(args: Value) -> Value {
    json!({"arguments": args, "stash": {}, "prev": {"result": null}, "identity": null, "result": null, "error": null})
}

#[tokio::test]
async fn util_values_time_and_ids() {
    let src = r#"
        import { util } from '@aws-appsync/utils';
        export function request(ctx) {
            return {
                id: util.autoId(),
                ulid: util.autoUlid(),
                iso: util.time.nowISO8601(),
                formatted: util.time.epochMilliSecondsToFormatted(1700000000123, 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC'),
                offset: util.time.epochMilliSecondsToFormatted(0, 'yyyy-MM-dd HH:mmZ', '+02:00'),
                parsed: util.time.parseISO8601ToEpochMilliSeconds('2023-11-14T22:13:20.123Z'),
                parsedFormatted: util.time.parseFormattedToEpochMilliSeconds('2023-11-14 22:13:20', 'yyyy-MM-dd HH:mm:ss', 'UTC'),
                seconds: util.time.epochMilliSecondsToSeconds(1700000000999),
                ddb: util.dynamodb.toDynamoDB({ a: 'x', n: 2, l: [true, null], m: { b: 'y' } }),
                map: util.dynamodb.toMapValues({ id: 'k', n: 1 }),
                b64: util.base64Decode(util.base64Encode('héllo ✓')),
                b64text: util.base64Encode('hello'),
                blank: util.isNullOrBlank('  '),
                dflt: util.defaultIfNull(null, 'd'),
                type: util.typeOf([1]),
                matches: util.matches('a+b', 'aaab'),
                upper: util.str.toUpper('abc'),
                auth: util.authType(),
                args: ctx.args.x,
            };
        }
        export function response(ctx) { return ctx.result; }
    "#;
    let out = run_js(src, "request", ctx(json!({"x": 7}))).await;
    assert_eq!(out["kind"], "ok");
    let r = &out["result"];
    let id = r["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    assert_eq!(r["ulid"].as_str().unwrap().len(), 26);
    assert!(r["iso"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r["formatted"], "2023-11-14 22:13:20.123");
    assert_eq!(r["offset"], "1970-01-01 02:00+0200", "Java's Z pattern");
    assert_eq!(r["parsed"], 1700000000123i64);
    assert_eq!(r["parsedFormatted"], 1700000000000i64);
    assert_eq!(r["seconds"], 1700000000);
    assert_eq!(
        r["ddb"],
        json!({"M": {"a": {"S": "x"}, "n": {"N": 2}, "l": {"L": [{"BOOL": true}, {"NULL": true}]}, "m": {"M": {"b": {"S": "y"}}}}})
    );
    assert_eq!(r["map"], json!({"id": {"S": "k"}, "n": {"N": 1}}));
    assert_eq!(r["b64"], "héllo ✓");
    assert_eq!(r["b64text"], "aGVsbG8=");
    assert_eq!(r["blank"], true);
    assert_eq!(r["dflt"], "d");
    assert_eq!(r["type"], "List");
    assert_eq!(r["matches"], true);
    assert_eq!(r["upper"], "ABC");
    assert_eq!(r["auth"], "API Key Authorization");
    assert_eq!(r["args"], 7);
}

#[tokio::test]
async fn errors_appended_errors_early_return_and_stash() {
    let src = r#"
        import { util, runtime } from '@aws-appsync/utils';
        export function request(ctx) {
            ctx.stash.seen = (ctx.stash.seen || 0) + 1;
            if (ctx.args.mode === 'error') util.error('bad input', 'ValidationError', { a: 1 }, { why: 'x' });
            if (ctx.args.mode === 'early') runtime.earlyReturn({ early: true });
            if (ctx.args.mode === 'throw') null.x;
            util.appendError('just so you know', 'Warning');
            return { payload: ctx.args };
        }
        export function response(ctx) { return ctx.result; }
    "#;
    let out = run_js(src, "request", ctx(json!({"mode": "error"}))).await;
    assert_eq!(out["kind"], "error");
    assert_eq!(
        out["error"],
        json!({"message": "bad input", "type": "ValidationError", "data": {"a": 1}, "errorInfo": {"why": "x"}})
    );
    assert_eq!(out["stash"]["seen"], 1);
    let out = run_js(src, "request", ctx(json!({"mode": "early"}))).await;
    assert_eq!((out["kind"].as_str(), &out["result"]), (Some("early"), &json!({"early": true})));
    let out = run_js(src, "request", ctx(json!({"mode": "throw"}))).await;
    assert_eq!(out["error"]["type"], "Code");
    assert!(out["error"]["message"].as_str().unwrap().contains("TypeError"), "{out}");
    let out = run_js(src, "request", ctx(json!({"mode": "ok"}))).await;
    assert_eq!(out["kind"], "ok");
    assert_eq!(
        out["errors"],
        json!([{"message": "just so you know", "type": "Warning", "data": null, "errorInfo": null}])
    );
}

#[tokio::test]
async fn endless_resolvers_are_stopped_and_foreign_imports_refused() {
    let out = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.js");
        std::fs::write(
            &path,
            "export function request(ctx) { for (;;) {} }\nexport function response(ctx) { return 1; }\n",
        )
        .unwrap();
        let code = compile(&path).await.unwrap();
        call(code, "request", ctx(json!({})).to_string(), "{}".into()).await
    };
    assert!(out.unwrap_err().contains("ran longer than"));
    // The worker still serves afterwards.
    let ok = run_js(
        "export function request(ctx) { return 1 }\nexport function response(ctx) { return 2 }",
        "response",
        ctx(json!({})),
    )
    .await;
    assert_eq!(ok["result"], 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imp.ts");
    std::fs::write(&path, "import { x } from './other';\nexport function request(ctx: any) { return x; }\n").unwrap();
    let err = compile(&path).await.err().unwrap();
    assert!(err.contains("single files"), "{err}");
    std::fs::write(
        &path,
        "import { x } from 'lodash';\nexport function request(ctx: any) { return x; }\nexport function response(ctx: any) { return 1; }\n",
    )
    .unwrap();
    let code = compile(&path).await.unwrap();
    let out = call(code, "request", ctx(json!({})).to_string(), "{}".into()).await;
    assert!(out.is_err_and(|e| e.contains("only @aws-appsync/utils")));
}

#[tokio::test]
async fn transform_filters_parse_back_into_store_filters() {
    let src = r#"
        import { util } from '@aws-appsync/utils';
        import * as ddb from '@aws-appsync/utils/dynamodb';
        export function request(ctx) {
            return {
                filter: JSON.parse(util.transform.toDynamoDBFilterExpression({ title: { beginsWith: 'a' }, or: [{ n: { gt: 2 } }, { n: { between: [5, 6] } }], tag: { in: ['x', 'y'] } })),
                update: ddb.update({ key: { id: '1' }, update: { count: ddb.operations.increment(2), name: 'z', gone: ddb.operations.remove() } }),
                query: ddb.query({ query: { pk: { eq: 'p' }, sk: { beginsWith: 's' } } }),
                sub: util.transform.toSubscriptionFilter({ channelName: { beginsWith: 'wo' } }),
            };
        }
        export function response(ctx) { return null; }
    "#;
    let out = run_js(src, "request", ctx(json!({}))).await;
    let r = &out["result"];
    let ph = |o: &Value| -> (Option<serde_json::Map<String, Value>>, Option<serde_json::Map<String, Value>>) {
        (
            o.get("expressionNames").and_then(Value::as_object).cloned(),
            o.get("expressionValues").and_then(Value::as_object).cloned(),
        )
    };
    let (n, v) = ph(&r["filter"]);
    let f = parse_condition(
        r["filter"]["expression"].as_str().unwrap(),
        &Placeholders {
            names: n.as_ref(),
            values: v.as_ref(),
        },
    )
    .unwrap();
    assert_eq!(
        f,
        Filter::And(vec![
            Filter::cmp("title", Op::BeginsWith("a".into())),
            Filter::Or(vec![Filter::cmp("n", Op::Gt(json!(2))), Filter::cmp("n", Op::Between(json!(5), json!(6)))]),
            Filter::cmp("tag", Op::In(vec![json!("x"), json!("y")])),
        ])
    );
    let upd = &r["update"]["update"];
    let (n, v) = ph(upd);
    let actions = parse_update(
        upd["expression"].as_str().unwrap(),
        &Placeholders {
            names: n.as_ref(),
            values: v.as_ref(),
        },
    )
    .unwrap();
    assert_eq!(
        actions,
        vec![
            UpdateAction::Set(FieldPath::field("name"), SetValue::Operand(Operand::Value(json!("z")))),
            UpdateAction::Remove(FieldPath::field("gone")),
            UpdateAction::Add(FieldPath::field("count"), json!(2)),
        ]
    );
    assert_eq!(r["update"]["operation"], "UpdateItem");
    let q = &r["query"]["query"];
    let (n, v) = ph(q);
    let kc = parse_condition(
        q["expression"].as_str().unwrap(),
        &Placeholders {
            names: n.as_ref(),
            values: v.as_ref(),
        },
    )
    .unwrap();
    assert_eq!(
        kc,
        Filter::And(vec![Filter::cmp("pk", Op::Eq(json!("p"))), Filter::cmp("sk", Op::BeginsWith("s".into()))])
    );
    assert_eq!(
        r["sub"],
        json!({"filterGroup": [{"filters": [{"fieldName": "channelName", "operator": "beginsWith", "value": "wo"}]}]})
    );
}

#[test]
fn hand_written_expressions() {
    let values = json!({":v": {"N": "3"}, ":s": {"S": "x"}, ":one": {"N": 1}, ":l": {"L": [{"S": "a"}]}})
        .as_object()
        .cloned();
    let names = json!({"#n": "name", "#c": "count"}).as_object().cloned();
    let ph = Placeholders {
        names: names.as_ref(),
        values: values.as_ref(),
    };
    let f = parse_condition("attribute_not_exists(id) AND (#n = :s OR NOT size(tags) > :v) AND :v <= a.b[1]", &ph).unwrap();
    assert_eq!(
        f,
        Filter::And(vec![
            Filter::cmp("id", Op::AttributeExists(false)),
            Filter::Or(vec![
                Filter::cmp("name", Op::Eq(json!("x"))),
                Filter::not(Filter::cmp("tags", Op::Size(Box::new(Op::Gt(json!(3))))))
            ]),
            Filter::cmp(FieldPath::field("a").key("b").index(1), Op::Ge(json!(3))),
        ])
    );
    let u = parse_update("SET #c = if_not_exists(#c, :v) + :one, l = list_append(l, :l) REMOVE old ADD version :one", &ph).unwrap();
    assert_eq!(u.len(), 4);
    assert!(matches!(&u[0], UpdateAction::Set(p, SetValue::Plus(..)) if *p == FieldPath::field("count")));
    assert!(parse_condition("a = b", &ph).is_err(), "two attributes cannot be compared");
    assert!(parse_condition("#missing = :s", &ph).is_err());
}

#[tokio::test]
async fn the_seeds_receive_handler_sets_a_subscription_filter() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../conformance/projects/data-custom/amplify/data/receive.js"
    ))
    .unwrap();
    let out = run_js(&src, "response", ctx(json!({"namePrefix": "wo"}))).await;
    assert_eq!(out["kind"], "ok");
    assert_eq!(out["result"], Value::Null);
    assert_eq!(
        out["subscriptionFilter"],
        json!({"filterGroup": [{"filters": [{"fieldName": "channelName", "operator": "beginsWith", "value": "wo"}]}]})
    );
}
