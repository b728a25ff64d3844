export { blockersOf, isBlocked } from './blocks-repository.js';
