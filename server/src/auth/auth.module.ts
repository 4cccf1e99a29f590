import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { authConfig, type AuthConfig } from '../config/auth.config';
import { redisConfig, type RedisConfig } from '../config/redis.config';
import { realtimeConfig, type RealtimeConfig } from '../realtime/realtime.config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RateLimitStorage } from './rate-limit-storage';
import { UserEntity } from './user.entity';
import { WriteThrottleGuard } from './write-throttle.guard';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity]),
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: AuthConfig) => ({
        secret: config.jwtSecret,
        signOptions: { algorithm: 'HS256', expiresIn: config.jwtTtlSeconds },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    // The unnamed ("default") throttler, so the 429 carries a plain Retry-After header.
    // Its storage also holds the per-account and write counters (AuthService, WriteThrottleGuard).
    ThrottlerModule.forRootAsync({
      inject: [authConfig.KEY, redisConfig.KEY, realtimeConfig.KEY],
      useFactory: (config: AuthConfig, redis: RedisConfig, realtime: RealtimeConfig) => ({
        throttlers: [{ ttl: config.rateWindowMs, limit: config.rateLimit }],
        storage: new RateLimitStorage(redis.url, `${realtime.redisKey}:rate-limit:`),
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, WriteThrottleGuard, { provide: APP_GUARD, useClass: JwtAuthGuard }],
  exports: [AuthService, WriteThrottleGuard],
})
export class AuthModule {}
