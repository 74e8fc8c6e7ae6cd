/**
 * Heartbeat by Node status: a strategic merge patch of `nodes/<name>/status`
 * that refreshes every condition's lastHeartbeatTime (conditions merge by
 * `type`, so transition times stay as stored). A 404 means the Node is gone.
 */
import { ApiError, NODES, nowTimestamp } from '@skiff/api';
import type { Heartbeat, HeartbeatTarget, RenewResult } from './heartbeat.js';
import type { HollowApi } from './http-api.js';
import { hollowNodeConditions } from './node-object.js';

export class NodeStatusHeartbeat implements Heartbeat {
  readonly method = 'node-status' as const;
  readonly registrationBeats = true;

  constructor(private readonly client: HollowApi) {}

  async renew(target: HeartbeatTarget): Promise<RenewResult> {
    const now = nowTimestamp();
    const conditions = hollowNodeConditions(now).map(({ type, status, reason, message, lastHeartbeatTime }) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime,
    }));
    try {
      await this.client.patch(NODES, '', target.name, { status: { conditions } }, 'strategic', 'status');
      return 'ok';
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return 'node-missing';
      throw err;
    }
  }
}
