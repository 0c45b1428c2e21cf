import * as random from "@pulumi/random";
import { urnPrefix } from "./run";

/** A stand-in for a resource a component waits for: its kind does not matter to the component. */
export const standIn = (name: string) => new random.RandomString(name, { length: 8 });
export const standInUrn = (name: string) => `${urnPrefix}random:index/randomString:RandomString::${name}`;
