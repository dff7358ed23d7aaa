/** Each kind of dynamic backend, by the name its settings give. */
import type { BackendKind, BackendKindName } from '../backend-kind';
import { mariadbKind } from './mariadb';
import { postgresqlKind } from './postgresql';
import { rabbitmqKind } from './rabbitmq';
import { redisKind } from './redis';

export const KINDS: Readonly<Record<BackendKindName, BackendKind>> = {
  postgresql: postgresqlKind,
  mariadb: mariadbKind,
  redis: redisKind,
  rabbitmq: rabbitmqKind,
};
