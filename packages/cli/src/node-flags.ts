/**
 * Node/V8 flags a component's process runs with (`skiff up` passes them
 * before the skiff script; benches that start a component as `skiff up`
 * does pass the same).
 *
 * The apiserver keeps every object in its watch cache and allocates a few
 * short-lived copies per write (request, stored JSON, event body, NATS
 * frames): with V8's default 16 MiB semi-space a young-generation collection
 * ran every ~30 ms under a scheduler's bind load and copied objects that a
 * few milliseconds later were garbage. A 64 MiB semi-space lets most of them
 * die young (a quarter as many scavenges, each copying about as much).
 */
export const APISERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
