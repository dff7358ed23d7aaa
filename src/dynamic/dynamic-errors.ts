/** The errors of dynamic secrets, each with the status and code a client branches on. */
import { AppError } from '../errors';

/** The backend's server cannot be reached: nothing was created, or the revocation is retried. */
export class BackendUnavailable extends AppError {
  constructor(message: string) {
    super(503, 'BackendUnavailable', message, { 'Retry-After': '5' });
  }
}

/** The backend's server answered with an error (a statement or a privilege it lacks): its configurer has to fix it. */
export class BackendError extends AppError {
  constructor(message: string) {
    super(502, 'BackendError', message);
  }
}

export class BackendNotFound extends AppError {
  constructor() {
    super(404, 'BackendNotFound', 'no such dynamic backend');
  }
}

/** One answer for a lease that does not exist and one the caller may not see: which of the two is nobody else's business. */
export class LeaseNotFound extends AppError {
  constructor() {
    super(404, 'LeaseNotFound', 'no such lease, or not one the caller may see');
  }
}

export class BackendHasLeases extends AppError {
  constructor() {
    super(409, 'BackendHasLeases', 'the backend still has leases: revoke them first (POST /v1/leases/revoke with its key as the prefix)');
  }
}

/** A renewal of a lease that is being revoked, or past its expiry. */
export class LeaseNotRenewable extends AppError {
  constructor(message: string) {
    super(409, 'LeaseNotRenewable', message);
  }
}
