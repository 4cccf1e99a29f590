export { appConfig, loadAppConfig, type AppConfig } from './app.config';
export { authConfig, loadAuthConfig, type AuthConfig } from './auth.config';
export { databaseConfig, loadDatabaseConfig, type DatabaseConfig } from './database.config';
export { redisConfig, loadRedisConfig, type RedisConfig } from './redis.config';
export { ConfigError, type Env } from './env';
export { configModuleFor } from './config.module';
