/**
 * Wire frames of the WebSocket protocol (OpenClaw-compatible). Validation is
 * loose about extra fields (clients send more than we read) and strict about
 * the fields we rely on.
 */
import { z } from "zod";

export const PROTOCOL_MIN = 3;
export const PROTOCOL_MAX = 4;

export const requestFrame = z.object({
  type: z.literal("req"),
  id: z.string().min(1).max(128),
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
  traceparent: z.string().max(128).optional(),
});
export type RequestFrame = z.infer<typeof requestFrame>;

export const connectParams = z.object({
  minProtocol: z.number().int(),
  maxProtocol: z.number().int(),
  client: z.object({
    id: z.string().min(1).max(128),
    version: z.string().max(64).optional(),
    platform: z.string().max(64).optional(),
    mode: z.string().max(64).default("backend"),
  }),
  role: z.string().max(64).default("operator"),
  scopes: z.array(z.string().max(64)).max(64).default([]),
  auth: z
    .object({
      token: z.string().max(4096).optional(),
      password: z.string().max(4096).optional(),
    })
    .optional(),
  device: z.unknown().optional(),
});
export type ConnectParams = z.infer<typeof connectParams>;

export interface ResponseFrame {
  type: "res";
  id: string;
  ok: boolean;
  payload?: unknown;
  error?: Record<string, unknown>;
}

export interface EventFrame {
  type: "event";
  event: string;
  payload: unknown;
  seq?: number;
}

export const EVENTS = [
  "connect.challenge",
  "tick",
  "exec.approval.requested",
  "exec.approval.resolved",
  "device.pair.requested",
  "device.pair.resolved",
  "agent",
  "chat",
  "exec.approval.own.requested",
  "exec.approval.own.resolved",
  "audit.appended",
] as const;
export type EventName = (typeof EVENTS)[number];

/** WebSocket close codes used by the gateway. */
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;
