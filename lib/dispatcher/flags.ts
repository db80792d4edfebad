/**
 * The dispatcher's flags (env prefix `DISPATCHER_`) and their parsed type.
 *
 * @module
 */
import { bodyFlags } from "../http/mod.ts";
import type { Flags } from "../shared/mod.ts";
import { BALANCERS } from "./balancer.ts";

/** The dispatcher's flags (env prefix `DISPATCHER_`). */
export const DISPATCHER_FLAGS = {
  host: { type: "string", default: "0.0.0.0", help: "address to listen on" },
  port: {
    type: "number",
    default: 5052,
    min: 0,
    max: 65535,
    integer: true,
    help: "port (0 = any free port)",
  },
  replicas: { type: "string", default: "", help: "comma-separated replica base URLs" },
  balancer: {
    type: "string",
    default: "least-outstanding",
    choices: BALANCERS,
    help: "load-balancing algorithm",
  },
  "per-replica-inflight": {
    type: "number",
    default: 8,
    min: 1,
    max: 10_000,
    integer: true,
    help: "most requests at one replica",
  },
  queue: {
    type: "number",
    default: 1024,
    min: 0,
    max: 1_000_000,
    integer: true,
    help: "requests waiting before 429",
  },
  "timeout-s": { type: "number", default: 30, min: 0.001, max: 3600, help: "deadline per request" },
  "max-retries": {
    type: "number",
    default: 2,
    min: 0,
    max: 10,
    integer: true,
    help: "retries after a connection failure",
  },
  "eject-after": {
    type: "number",
    default: 2,
    min: 1,
    max: 1000,
    integer: true,
    help: "connection failures that eject a replica",
  },
  "health-interval-s": {
    type: "number",
    default: 1,
    min: 0.05,
    max: 600,
    help: "readiness probe interval",
  },
  ...bodyFlags(64, "429"),

  "grace-s": { type: "number", default: 30, min: 0, max: 3600, help: "drain time on SIGTERM" },
  "admin-token": {
    type: "string",
    default: "",
    help: "bearer token for /admin (default: loopback only)",
  },
  discovery: {
    type: "string",
    default: "static",
    choices: ["static", "kubernetes"],
    help: "membership source besides the admin API: static list, or EndpointSlices",
  },
  "k8s-namespace": { type: "string", default: "default", help: "kubernetes: Service namespace" },
  "k8s-service": { type: "string", default: "", help: "kubernetes: Service whose slices to watch" },
  "k8s-port-name": {
    type: "string",
    default: "",
    help: "kubernetes: port name in the slices (default the first)",
  },
} as const;

/** Parsed dispatcher options. */
export type DispatcherOptions = Flags<typeof DISPATCHER_FLAGS>;

/** Usage line of `--help`. */
export const DISPATCHER_USAGE =
  "Usage: deno task dispatcher [options]\n\nQueues, balances and relays inference requests to replicas.";
