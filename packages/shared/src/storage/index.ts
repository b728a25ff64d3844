// The bucket of storage_type s3: key names and checks, no SDK. The client itself is
// `@video/shared/storage/s3`, imported lazily, so a service with local storage never loads the SDK.
export * from './object-keys.js';
export * from './file-digest.js';
export type { ObjectHead, ObjectStore, PutOptions, S3Config } from './object-store.js';
