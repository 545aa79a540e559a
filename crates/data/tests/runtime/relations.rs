//! Relationships in selection sets, batched: store reads do not grow with the number of parents.

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Api, Db};

async fn seed(api: &Api, posts: std::ops::Range<usize>) {
    if posts.start == 0 {
        api.ok("mutation { createAuthor(input: {id: \"a1\", name: \"Ann\"}) { id } }", json!({})).await;
        for t in ["t1", "t2"] {
            api.ok("mutation ($i: CreateTagInput!) { createTag(input: $i) { id } }", json!({ "i": { "id": t, "name": format!("tag {t}") } })).await;
        }
    }
    for p in posts {
        let pid = format!("p{p:02}");
        api.ok("mutation ($i: CreatePostInput!) { createPost(input: $i) { id } }", json!({ "i": { "id": pid, "title": format!("post {p}"), "authorId": "a1" } })).await;
        for c in 0..3 {
            api.ok("mutation ($i: CreateCommentInput!) { createComment(input: $i) { id } }", json!({ "i": { "id": format!("{pid}-c{c}"), "body": format!("c{c}"), "postId": pid } })).await;
        }
        api.ok("mutation ($i: CreatePostDetailsInput!) { createPostDetails(input: $i) { id } }", json!({ "i": { "views": p, "postId": pid } })).await;
        api.ok("mutation ($i: CreatePostTagInput!) { createPostTag(input: $i) { id } }", json!({ "i": { "postId": pid, "tagId": if p % 2 == 0 { "t1" } else { "t2" } } })).await;
    }
}

const NESTED: &str = "{ listPosts { items { id title
    author { name posts(limit: 2) { items { id } nextToken } }
    comments(sortDirection: DESC) { items { body post { id } } nextToken }
    details { views }
    tags { items { tag { name } } }
} } }";

both!(nested_selection_sets_are_batched, |db: Db| async move {
    let api = Api::start(db).await;
    seed(&api, 0..3).await;
    let before = api.reads();
    let small = api.ok(NESTED, json!({})).await;
    let reads_small = api.reads() - before;
    let items = small["listPosts"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let p0 = items.iter().find(|p| p["id"] == "p00").unwrap();
    assert_eq!(p0["author"]["name"], "Ann");
    assert_eq!(p0["author"]["posts"]["items"].as_array().unwrap().len(), 2);
    assert!(p0["author"]["posts"]["nextToken"].is_string());
    let bodies: Vec<&str> = p0["comments"]["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["c2", "c1", "c0"]);
    assert_eq!(p0["comments"]["items"][0]["post"]["id"], "p00");
    assert_eq!(p0["details"]["views"], 0);
    assert_eq!(p0["tags"]["items"], json!([{ "tag": { "name": "tag t1" } }]));

    seed(&api, 3..12).await;
    let before = api.reads();
    let big = api.ok(NESTED, json!({})).await;
    let reads_big = api.reads() - before;
    assert_eq!(big["listPosts"]["items"].as_array().unwrap().len(), 12);
    // One read per level and relationship, whatever the number of parents.
    assert_eq!(reads_small, reads_big, "store reads grew with the parents: {reads_small} vs {reads_big}");
    assert!(reads_big <= 8, "{reads_big} reads");
    api.finish().await;
});

both!(has_many_arguments_and_lazy_pages, |db: Db| async move {
    let api = Api::start(db).await;
    seed(&api, 0..1).await;
    let q = "query ($f: ModelCommentFilterInput, $l: Int, $t: String) { getPost(id: \"p00\") { comments(filter: $f, limit: $l, nextToken: $t) { items { id } nextToken } } }";
    let v = api.ok(q, json!({ "f": { "body": { "ne": "c1" } } })).await;
    assert_eq!(v["getPost"]["comments"]["items"], json!([{ "id": "p00-c0" }, { "id": "p00-c2" }]));
    let v = api.ok(q, json!({ "l": 2 })).await;
    assert_eq!(v["getPost"]["comments"]["items"].as_array().unwrap().len(), 2);
    let t = v["getPost"]["comments"]["nextToken"].clone();
    assert!(t.is_string());
    let v = api.ok(q, json!({ "l": 2, "t": t })).await;
    assert_eq!(v["getPost"]["comments"]["items"], json!([{ "id": "p00-c2" }]));
    assert_eq!(v["getPost"]["comments"]["nextToken"], Value::Null);
    // The client's lazy loading: list the children by their reference field (with `and`), get the parent.
    let v = api.ok("query ($f: ModelCommentFilterInput) { listComments(filter: $f) { items { id } } }", json!({ "f": { "and": [{ "postId": { "eq": "p00" } }] } })).await;
    assert_eq!(v["listComments"]["items"].as_array().unwrap().len(), 3);
    // A reference to nothing is null; a post without comments has an empty connection.
    api.ok("mutation { createPost(input: {id: \"lonely\", title: \"x\", authorId: \"ghost\"}) { id } }", json!({})).await;
    let v = api.ok("{ getPost(id: \"lonely\") { author { name } comments { items { id } nextToken } details { views } } }", json!({})).await;
    assert_eq!(v["getPost"], json!({ "author": null, "comments": { "items": [], "nextToken": null }, "details": null }));
    api.finish().await;
});
