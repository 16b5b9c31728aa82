import { hostname } from 'node:os';

export function createActivities() {
  return {
    greet(name: string): Promise<string> {
      return Promise.resolve(`hello ${name} from ${hostname()}`);
    },
  };
}
export type SampleActivities = ReturnType<typeof createActivities>;
