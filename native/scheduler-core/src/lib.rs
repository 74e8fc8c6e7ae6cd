#![deny(clippy::all)]
//! The Skiff scheduler's filter and score core.
//!
//! Mirrors three kube-scheduler plugins for one pod at a time: `NodeUnschedulable` and
//! `NodeResourcesFit` (filters) and `NodeResourcesLeastAllocated` (score, cpu and memory with
//! weight 1 each). `packages/scheduler/src/core/ts-core.ts` is the reference implementation in
//! TypeScript; the two must agree bit for bit (node order, scores, reason counts).
//!
//! Modules, one job each:
//! - [`js_order`]: string order of JavaScript's `<` (UTF-16 code units), for tie-breaks.
//! - [`node_table`]: the struct-of-arrays node table and per-node pod accounting.
//! - [`fit`]: the filters.
//! - [`least_allocated`]: the score.
//! - [`scan`]: one pass over the table that filters, scores and picks the best node.
//! - [`binding`]: the napi-rs class `SchedulerCore` that JavaScript sees.

pub mod binding;
pub mod fit;
pub mod js_order;
pub mod least_allocated;
pub mod node_table;
pub mod scan;
