/**
 * gRPC status codes. Connect's enum carries gRPC's numbers and names (`Code.ResourceExhausted` = 8),
 * and the agent and tests already compare against it; only this enum is used from connect here, none
 * of its transports.
 */
import { Code } from '@connectrpc/connect';

export { Code };

/** Connect's enum has no member for success (its errors are never OK); gRPC's status 0. */
export const STATUS_OK = 0;

/** A status a call can end with. */
export type StatusCode = Code | typeof STATUS_OK;
