export { isBlocked } from './blocks-repository.js';
