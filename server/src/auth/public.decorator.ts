import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'concord:public';

/** Opts a route out of the global bearer guard (login, register, health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
