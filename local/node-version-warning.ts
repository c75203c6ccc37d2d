/**
 * Preloaded (`node --import`) by `npm start`, `npm run invoke` and `npm run bench`. The AWS SDK
 * warns that it will need Node 22 on every Node below it (the Lambdas run 22; Node 20 is
 * supported here). It warns through process.emitWarning with the generic type "Warning", so
 * `--disable-warning=NodeVersionSupportWarning` cannot match it; its own switch can, and child
 * processes inherit it. An explicit setting from the caller wins.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
