/** Named errors of Clara Pulse. Handlers map these to clear responses; anything else is a 500. */
export class ClaraPulseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration is missing or malformed; names the key. */
export class ConfigurationError extends ClaraPulseError {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`configuration ${key}: ${problem}`);
  }
}

/** One item's counters would not fit in one DynamoDB update expression. */
export class ExpressionTooLargeError extends ClaraPulseError {}

/** The watermark of a lane moved while we were applying it: another writer works on the same shard. */
export class LaneConflictError extends ClaraPulseError {}

/** A stream did not accept records after retries. */
export class StreamWriteError extends ClaraPulseError {}

/** A command-line option of a local tool is wrong; names the flag, so the message says what to change. */
export class UsageError extends ClaraPulseError {
  constructor(
    readonly flag: string,
    problem: string,
  ) {
    super(`${flag}: ${problem}`);
  }
}

/** A local endpoint's port is taken by another process; names the flag that chooses another. */
export class PortInUseError extends ClaraPulseError {
  constructor(what: string, port: number, flag: string) {
    super(`${what}: port ${port} is in use (choose another with ${flag} N, or ${flag} 0 for any free port)`);
  }
}

/** A request body grew past what the endpoint accepts; it was refused while it streamed, not after. */
export class RequestTooLargeError extends ClaraPulseError {
  constructor(readonly limitBytes: number) {
    super(`request body over ${limitBytes} bytes`);
  }
}

/** Another local stack already runs on this state directory (its pid is in the lock file). */
export class StateDirectoryBusyError extends ClaraPulseError {}

/** A viewer's token was refused (malformed, wrong signature, issuer or audience, expired); says why, for the logs only. */
export class ViewerRefusedError extends ClaraPulseError {}

/** Pushing a document to a viewer failed for another reason than the viewer having left. */
export class ViewerPushError extends ClaraPulseError {
  constructor(
    /** The HTTP status API Gateway answered with; absent when it did not answer (a time-out, the network). */
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where a rebuild or drift check should run cannot be found: no local stack, or a deployed stack without the output it needs. */
export class ReconcileTargetError extends ClaraPulseError {}

/** A rebuild could not hand a page of events on after its retries; rerunning it is safe. */
export class RebuildForwardError extends ClaraPulseError {}
