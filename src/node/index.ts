export const nodeOnly = true;
