export async function gradeClassCli(..._a: unknown[]): Promise<number> { return 2; }
