/**
 * node:net itself with vppnet's register mode on: the module the register
 * profile's tests and child processes use (the suite's `module`). Which
 * transport comes from VPPNET_* as for any program run with
 * `--require vppnet/register`.
 */
import '../../glue/register';
import net = require('node:net');
export = net;
