// Sending local files as HTTP answers: the stream server's, and the web's when it shares the disk.
export * from './byte-range.js';
export * from './range-sender.js';
export * from './open-file-cache.js';
export * from './preconditions.js';
export * from './get-plan.js';
