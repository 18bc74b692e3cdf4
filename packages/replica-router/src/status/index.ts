export {
  type CountEvent,
  createRoutingHistory,
  type ReplicaChangeEvent,
  type ReplicaSample,
  type RoutingHistory,
  type RoutingHistoryEvent,
  type RoutingHistoryOptions,
  type RoutingHistorySnapshot,
  type RoutingHistorySource,
  type RoutingSample,
} from './routing-history.ts';
