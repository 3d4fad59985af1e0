import { Controller, Get } from '@nestjs/common';
import { SendfactAuthService } from 'nestjs-sendfact-auth';

/** The token's state for operators: validity, schedule, fingerprint. Never the token itself. */
@Controller('token')
export class TokenController {
  constructor(private readonly auth: SendfactAuthService) {}

  @Get()
  state() {
    return { ...this.auth.getTokenState(), stats: this.auth.getStats() };
  }
}
