// The `--import` entry point (`node --import ./src/telemetry/register.ts src/main.ts`, as `npm start`
// and src/dev/shipshape-process.ts run it): starts the OpenTelemetry SDK before src/main.ts and the
// modules it instruments are loaded. Like main.ts, it may read the environment: it is an entry point.
import { startTelemetry } from './sdk.ts';

startTelemetry(process.env);
