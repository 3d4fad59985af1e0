import { Controller, Get, Inject } from '@nestjs/common';
import { AppService } from './app.service.js';

@Controller()
export class AppController {
  // As generated, plus `@Inject(AppService)`: without decorator metadata every constructor parameter needs
  // it, the app's own services as much as the package's.
  constructor(@Inject(AppService) private readonly appService: AppService) {}

  @Get()
  getHello(): string {
    return this.appService.getHello();
  }
}
