#!/usr/bin/env node
// daek-bench: see @daek/cli-support's launch.mjs (tsx launcher).
import {launch} from '@daek/cli-support/launch';

launch('daek-bench', import.meta.url);
