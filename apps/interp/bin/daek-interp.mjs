#!/usr/bin/env node
// daek-interp: see @daek/cli-support's launch.mjs (tsx launcher; Ctrl-C reaches the command, which stops cleanly).
import {launch} from '@daek/cli-support/launch';

launch('daek-interp', import.meta.url);
