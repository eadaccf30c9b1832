export { freeLoopbackPort as freePort } from "../../ops/redis/scratchServer";
