/** NODE_DEBUG=vppnet: transport decisions and why. One logger for the whole package. */
import { debuglog } from 'node:util';

export const debug = debuglog('vppnet');
