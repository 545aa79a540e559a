//! Periodic clean-up of expired auth state: unanswered sign-in challenges, codes, ended sessions,
//! expired identity-pool credentials and devices never confirmed. Runs in the sandbox every few minutes; every node may
//! run it (deletes are idempotent).

use serde_json::Value;
use store::{Condition, Filter, Op, QuerySpec};

use crate::error::AuthError;
use crate::pool::{now_ms, now_s, tables, Pool};

/// How often the sweep runs.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes every item of `table` (optionally one partition) matching `filter`; returns how many.
async fn sweep(pool: &Pool, table: &str, partition: Option<&str>, filter: Filter) -> Result<usize, AuthError> {
    let spec = QuerySpec { partition: partition.map(|p| Value::String(p.into())), filter: Some(filter), limit: Some(500), ..Default::default() };
    let mut n = 0;
    loop {
        let page = pool.store().query(table, &spec).await?;
        if page.items.is_empty() {
            return Ok(n);
        }
        for item in &page.items {
            pool.store().delete(table, &item.pk, &item.sk, &Condition::None).await?;
            n += 1;
        }
        if page.cursor.is_none() {
            return Ok(n);
        }
    }
}

/// One sweep over the pool's expired state.
pub async fn run_once(pool: &Pool) -> Result<usize, AuthError> {
    let lt = |field: &str, v: i64| Filter::cmp(field, Op::Lt(Value::from(v)));
    let id = pool.id().to_string();
    let mut n = sweep(pool, tables::CHALLENGES, Some(&id), lt("expires", now_ms())).await?;
    n += sweep(pool, tables::CODES, Some(&id), lt("expires", now_ms())).await?;
    n += sweep(pool, tables::SESSIONS, Some(&id), lt("expires", now_s())).await?;
    let devices = Filter::And(vec![lt("expires", now_ms()), Filter::cmp("pool", Op::Eq(Value::String(id.clone())))]);
    n += sweep(pool, tables::DEVICES, None, devices).await?;
    let ipid = Value::String(pool.ctx.ids.identity_pool_id.clone());
    // Expired credentials are kept a while so requests signed with them get `ExpiredToken`.
    let forgotten = now_s() - crate::credentials::EXPIRED_KEPT;
    let creds = Filter::And(vec![lt("expiration", forgotten), Filter::cmp("identityPoolId", Op::Eq(ipid))]);
    n += sweep(pool, tables::CREDENTIALS, None, creds).await?;
    Ok(n)
}

/// Runs [`run_once`] every [`INTERVAL`] for the context's pool, forever.
pub async fn run(ctx: context::ServiceContext) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tick.tick().await;
        if ctx.backend().auth.is_none() {
            continue;
        }
        match run_once(&Pool::new(&ctx)).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!("auth: removed {n} expired items"),
            Err(e) => tracing::warn!("auth: clean-up failed: {e}"),
        }
    }
}
